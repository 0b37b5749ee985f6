#!/usr/bin/env python3
"""Drives a real interactive bash on a pseudo-terminal, as a user would.

    pty_session.py [--timeout SECONDS] [--transcript FILE] < SCRIPT

Starts `bash --norc --noprofile -i` as the leader of a new session whose
controlling terminal is a new pseudo-terminal, so that the shell has job
control, then follows SCRIPT, one step a line (blank lines and lines
starting with # are skipped; arguments are split as a shell would):

    prompt                   wait for the shell's prompt
    send TEXT                type TEXT, then Enter
    type TEXT                type TEXT as it is, after Python escapes
                             (\\x1a is Ctrl-Z, \\x03 Ctrl-C, \\x04 Ctrl-D)
    ctrl KEY                 type Ctrl-KEY (ctrl Z, ctrl C, ctrl D)
    expect REGEX             wait for REGEX in what the terminal showed
                             since the last match
    state REGEX STATES N     wait until exactly N processes of the session
                             have a command line matching REGEX, each in a
                             state (as in /proc/PID/stat) matching STATES
    foreground REGEX         wait until the terminal's foreground process
                             group has a process whose command line
                             matches REGEX
    timeout SECONDS          the bound of the waits that follow

Every wait is bounded (--timeout, default 10 s, or PTY_TIMEOUT). Command
lines are matched with their arguments joined by spaces; "\\r" is left
out of what the terminal showed. The shell gets this process's
environment, with PS1 set to "[pty]$ ", TERM=dumb and no history file.

Exit status: 0 when every step was done; 1 when one was not, after
printing the step, why, the session's processes and what the terminal
showed to standard error; 2 for a bad script. --transcript FILE writes
what the terminal showed to FILE (- for standard error) in any case. At
the end the terminal is closed, and whatever is left in the session gets
SIGKILL.

Python 3 standard library only.
"""

import codecs
import fcntl
import os
import pty
import re
import select
import shlex
import signal
import struct
import sys
import tempfile
import termios
import time

PROMPT = "[pty]$ "


class StepFailed(Exception):
    pass


def command_line(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return raw.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")


def stat_fields(pid):
    """(state, pgrp, session) of PID, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    # The command name is in parentheses and may hold anything.
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[2]), int(fields[3])


def all_pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


class Session:
    def __init__(self, timeout):
        self.timeout = timeout
        self.screen = ""
        self.seen = 0
        self.inputrc = tempfile.NamedTemporaryFile(
            "w", prefix="pty-inputrc.", delete=False)
        # Readline would otherwise wrap pasted text in escape sequences.
        self.inputrc.write("set enable-bracketed-paste off\n")
        self.inputrc.close()
        env = dict(os.environ)
        env.update(PS1=PROMPT, TERM="dumb", HISTFILE="/dev/null",
                   INPUTRC=self.inputrc.name)
        env.pop("PROMPT_COMMAND", None)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"],
                           env)
            finally:
                os._exit(127)
        # Wide enough that no typed line wraps.
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ,
                    struct.pack("HHHH", 50, 500, 0, 0))

    def read_some(self, until):
        """Adds what the terminal shows to the screen, waiting at most
        until the time UNTIL. False once the terminal has closed."""
        left = max(0.0, until - time.monotonic())
        ready, _, _ = select.select([self.fd], [], [], left)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.screen += data.decode(errors="replace").replace("\r", "")
        return True

    def wait(self, what, done):
        """Polls DONE (reading the terminal meanwhile) until it is true
        or the timeout has passed."""
        until = time.monotonic() + self.timeout
        while True:
            if done():
                return
            if time.monotonic() >= until:
                raise StepFailed(f"timed out after {self.timeout:g}s "
                                 f"waiting for {what}")
            # Process states change without output: look again soon.
            if not self.read_some(min(until, time.monotonic() + 0.02)):
                if done():
                    return
                raise StepFailed(f"the terminal closed while waiting "
                                 f"for {what}")

    def expect(self, pattern):
        regex = re.compile(pattern)
        found = []

        def matched():
            m = regex.search(self.screen, self.seen)
            if m:
                found.append(m)
            return m is not None

        self.wait(f"/{pattern}/ on the terminal", matched)
        self.seen = found[0].end()

    def write(self, text):
        os.write(self.fd, text.encode())

    def members(self, pattern):
        """(pid, state, pgrp) of the session's processes whose command
        line matches PATTERN."""
        regex = re.compile(pattern)
        found = []
        for pid in all_pids():
            fields = stat_fields(pid)
            if fields is None or fields[2] != self.pid or pid == self.pid:
                continue
            line = command_line(pid)
            if line is not None and regex.search(line):
                found.append((pid, fields[0], fields[1]))
        return found

    def state(self, pattern, states, count):
        allowed = re.compile(states)

        def reached():
            found = self.members(pattern)
            return len(found) == count and all(
                allowed.fullmatch(state) for _, state, _ in found)

        self.wait(f"{count} process(es) /{pattern}/ in state /{states}/",
                  reached)

    def foreground(self, pattern):
        def reached():
            try:
                group = os.tcgetpgrp(self.fd)
            except OSError:
                return False
            return any(pgrp == group for _, _, pgrp in self.members(pattern))

        self.wait(f"a process /{pattern}/ in the terminal's foreground "
                  f"group", reached)

    def states_now(self):
        lines = []
        for pid in sorted(all_pids()):
            fields = stat_fields(pid)
            if fields is not None and fields[2] == self.pid:
                lines.append(f"  {pid} state {fields[0]} pgrp {fields[1]}: "
                             f"{command_line(pid)}")
        return "\n".join(lines)

    def close(self):
        """Hangs the terminal up, then kills what is left of the
        session: a failed step may have left stopped jobs behind."""
        try:
            os.close(self.fd)
        except OSError:
            pass
        until = time.monotonic() + 2
        while time.monotonic() < until:
            try:
                if os.waitpid(self.pid, os.WNOHANG)[0] == self.pid:
                    break
            except ChildProcessError:
                break
            time.sleep(0.02)
        for pid in all_pids():
            fields = stat_fields(pid)
            if fields is not None and fields[2] == self.pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        os.unlink(self.inputrc.name)


def run_step(session, words):
    verb, args = words[0], words[1:]
    if verb == "prompt" and not args:
        session.expect(re.escape(PROMPT))
    elif verb == "send" and len(args) == 1:
        session.write(args[0] + "\r")
    elif verb == "type" and len(args) == 1:
        session.write(codecs.decode(args[0], "unicode_escape"))
    elif verb == "ctrl" and len(args) == 1 and len(args[0]) == 1:
        session.write(chr(ord(args[0].upper()) & 0x1F))
    elif verb == "expect" and len(args) == 1:
        session.expect(args[0])
    elif verb == "state" and len(args) == 3:
        session.state(args[0], args[1], int(args[2]))
    elif verb == "foreground" and len(args) == 1:
        session.foreground(args[0])
    elif verb == "timeout" and len(args) == 1:
        session.timeout = float(args[0])
    else:
        raise ValueError("unknown step or wrong number of arguments")


def visible(text):
    """TEXT with control characters other than newline made visible."""
    return "".join(c if c == "\n" or c.isprintable() else repr(c)[1:-1]
                   for c in text)


def main(argv):
    timeout = float(os.environ.get("PTY_TIMEOUT", "10"))
    transcript = None
    args = argv[1:]
    while args:
        if args[0] == "--timeout" and len(args) > 1:
            timeout = float(args[1])
            args = args[2:]
        elif args[0] == "--transcript" and len(args) > 1:
            transcript = args[1]
            args = args[2:]
        else:
            print(__doc__.strip(), file=sys.stderr)
            return 2

    steps = []
    for number, line in enumerate(sys.stdin.read().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            steps.append((number, line.strip(), shlex.split(line)))
        except ValueError as e:
            print(f"pty_session: line {number}: {e}", file=sys.stderr)
            return 2

    session = Session(timeout)
    status = 0
    try:
        for number, line, words in steps:
            try:
                run_step(session, words)
            except ValueError as e:
                print(f"pty_session: line {number}: {line}: {e}",
                      file=sys.stderr)
                status = 2
                break
            except StepFailed as e:
                print(f"pty_session: line {number}: {line}\n  {e}\n"
                      f"processes of the session:\n{session.states_now()}",
                      file=sys.stderr)
                status = 1
                break
    finally:
        session.close()
    if status == 1 or transcript == "-":
        print(f"--- the terminal showed (matched up to offset "
              f"{session.seen}):\n{visible(session.screen)}\n---",
              file=sys.stderr)
    if transcript not in (None, "-"):
        with open(transcript, "w") as f:
            f.write(session.screen)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
