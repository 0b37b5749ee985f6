#!/usr/bin/env python3
"""Generates valid config files at random and checks that aiorun accepts
each one with the listing that --check should print.

    ini_differential.py AIORUN [COUNT] [SEED]

The files have what aiorun.conf(5) allows: comments starting with '#' or
';', blank lines, indentation, '=' or ':' between key and value, repeated
keys, a byte order mark, and long lines with '[' and ']' anywhere in
values and comments, at the offsets where a reader working in pieces of
199, 399, 799... bytes would begin a piece. Exits 1 on the first file
that aiorun refuses or lists otherwise, after printing it.
"""

import os
import random
import string
import subprocess
import sys
import tempfile

# Where inih's pieces of a long line begin (200, 400, 800... bytes with
# the final NUL), and around.
OFFSETS = [199, 399, 799, 1599, 3199, 6399]
TEXT = string.ascii_letters + string.digits + " []=:;#\"'$&|<>(){}!?.,/\\-_+*~^%@`"
POLICIES = ["no", "on-failure", "always"]


def text(rng, length):
    return "".join(rng.choice(TEXT) for _ in range(length))


def value(rng, prefix_len, want_bracket):
    """A value with no blank at either end; when WANT_BRACKET, with a '['
    at one of OFFSETS counted from the start of its line, whose first
    PREFIX_LEN bytes come before it."""
    if want_bracket:
        offset = rng.choice([o for o in OFFSETS if o > prefix_len])
        body = "x" + text(rng, offset - prefix_len - 1) + "["
        return body + text(rng, rng.randint(0, 40)).rstrip(" ")
    body = text(rng, rng.randint(1, rng.choice([20, 300, 3000]))).strip(" ")
    return body if body else "x"


def separator(rng):
    return rng.choice([" = ", "=", ": ", ":", " =  ", "\t=\t"])


def indent(rng):
    return rng.choice(["", "", "", " ", "\t", "  "])


def comment(rng):
    start = rng.choice(["#", ";", " #", "\t;"])
    if rng.random() < 0.5:
        offset = rng.choice(OFFSETS)
        return start + text(rng, offset - len(start)) + "[" + text(rng, 20)
    return start + text(rng, rng.randint(0, 80))


def key_line(rng, key, val):
    return indent(rng) + key + separator(rng) + val


def worker_name(rng, taken):
    while True:
        name = "".join(rng.choice(string.ascii_letters + string.digits + "_-.")
                       for _ in range(rng.randint(1, 42)))
        if name not in taken:
            taken.add(name)
            return name


def generate(rng):
    lines, workers, taken = [], [], set()
    if rng.random() < 0.2:
        lines.append("\ufeff" + comment(rng))
    if rng.random() < 0.5:
        lines.append("[aiorun]")
        for key, val in rng.sample([
                ("grace", "5s"), ("wait-timeout", "0"), ("stop-on", "none"),
                ("prefix", "never"), ("color", "always"),
                ("timestamps", "yes"), ("stop-signal", "INT"),
                ("executor-workers", "3")], rng.randint(0, 4)):
            lines.append(key_line(rng, key, val))
    for _ in range(rng.randint(1, 6)):
        name = worker_name(rng, taken)
        policy, waits, command = "no", False, None
        lines.append(indent(rng) + "[worker:" + name + "]")
        for _ in range(rng.randint(1, 6)):
            roll = rng.random()
            if roll < 0.2:
                lines.append(comment(rng))
            elif roll < 0.3:
                lines.append(rng.choice(["", " ", "\t"]))
            elif roll < 0.45:
                policy = rng.choice(POLICIES)
                lines.append(key_line(rng, "restart", policy))
            elif roll < 0.55:
                waits = rng.random() < 0.5
                lines.append(key_line(rng, "shutdown-waits-for",
                                      "yes" if waits else "no"))
            elif roll < 0.75:
                sep = separator(rng)
                line_start = indent(rng) + "env" + sep + "V_1="
                val = value(rng, len(line_start), rng.random() < 0.6)
                lines.append(line_start + val)
            else:
                sep = separator(rng)
                line_start = indent(rng) + "command" + sep
                command = value(rng, len(line_start), rng.random() < 0.6)
                lines.append(line_start + command)
        if command is None:
            sep = separator(rng)
            line_start = indent(rng) + "command" + sep
            command = value(rng, len(line_start), rng.random() < 0.6)
            lines.append(line_start + command)
        workers.append((name, policy, waits, command))
    ending = rng.choice(["\n", "\r\n"]) if rng.random() < 0.3 else "\n"
    body = ending.join(lines)
    if rng.random() < 0.8:
        body += ending
    return body, workers


def listing(workers):
    width = max(len(name) for name, _, _, _ in workers)
    out = []
    for name, policy, waits, command in workers:
        out.append("%-*s  restart=%-10s %-9s %s" % (
            width, name, policy, "waits-for" if waits else "-", command))
    return "\n".join(out) + "\n"


def main():
    aiorun = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else random.randrange(1 << 30)
    rng = random.Random(seed)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIORUN_")}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "aiorun.conf")
        for i in range(count):
            body, workers = generate(rng)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(body)
            run = subprocess.run([aiorun, "--check", "-c", path], env=env,
                                 capture_output=True)
            want = listing(workers).encode()
            if run.returncode != 0 or run.stdout != want:
                print("seed %d, file %d: aiorun --check exited %d" %
                      (seed, i, run.returncode))
                print("stderr: " + run.stderr.decode(errors="replace"))
                print("--- wanted\n" + want.decode())
                print("--- got\n" + run.stdout.decode(errors="replace"))
                print("--- file\n" + body)
                return 1
    print("%d generated config files accepted, listed as expected (seed %d)"
          % (count, seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
