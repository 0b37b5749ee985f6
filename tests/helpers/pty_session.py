#!/usr/bin/env python3
"""Job control as a person at a terminal meets it (SPEC section 5).

Runs a real interactive bash on a new pseudo-terminal, types into it as
a user would (Ctrl-Z, fg, Ctrl-C), and checks what the screen shows and
what state the processes are in. One scenario per call:

    pty_session.py SCENARIO AIORUN

Exits 0 when the scenario holds; otherwise prints what it saw and exits 1.
Every wait is bounded.
"""

import os
import pty
import re
import select
import signal
import sys
import time

PROMPT = "PROMPT$ "
TIMEOUT = 10.0
# Durations no other process has, so that each sleep is this run's own.
SLEEPS = [str(10000000 + 3 * os.getpid() + i) for i in range(3)]


class Session:
    def __init__(self):
        env = dict(os.environ, PS1=PROMPT, TERM="dumb", HISTFILE="/dev/null")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe("bash", ["bash", "--norc", "--noprofile", "-i"], env)
        self.screen = ""
        self.seen = 0  # where the next expect starts looking
        self.expect(re.escape(PROMPT))

    def read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return
        try:
            data = os.read(self.fd, 4096)
        except OSError:
            return
        self.screen += data.decode(errors="replace").replace("\r", "")

    def expect(self, pattern, timeout=TIMEOUT):
        """Waits for PATTERN after what the last expect matched."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.screen[self.seen:])
            if found:
                self.seen += found.end()
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                fail("timed out waiting for %r" % pattern, self)
            self.read(left)

    def send(self, text):
        os.write(self.fd, text.encode())

    def command(self, line):
        self.send(line + "\n")

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)


def fail(why, session=None):
    print("FAILED: " + why)
    if session is not None:
        print("--- screen ---")
        print(session.screen)
        session.close()
    sys.exit(1)


def pids_of(argv):
    """The pids whose command line is exactly ARGV."""
    want = "\0".join(argv) + "\0"
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % name) as f:
                if f.read() == want:
                    found.append(int(name))
        except OSError:
            pass
    return found


def state_of(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def foreground_group_is(pid):
    """Whether the terminal of PID has PID's group in the foreground."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[2] == fields[5]


def wait_until(what, test, session):
    deadline = time.monotonic() + TIMEOUT
    while not test():
        if time.monotonic() > deadline:
            fail("timed out waiting until " + what, session)
        session.read(0.02)


def one_pid(argv, session):
    wait_until(" ".join(argv) + " runs", lambda: len(pids_of(argv)) == 1,
               session)
    return pids_of(argv)[0]


def status_is(session, status):
    session.expect(re.escape(PROMPT))
    session.command("echo status:$?")
    session.expect(r"\nstatus:%d\n" % status)


def ctrl_z_then_fg(aiorun):
    """Ctrl-Z on PROGRAM gives the prompt back; fg, then Ctrl-C: 130."""
    s = Session()
    s.command("%s -- sleep %s" % (aiorun, SLEEPS[0]))
    sleeper = one_pid(["sleep", SLEEPS[0]], s)
    s.send("\x1a")
    s.expect(r"Stopped")
    s.expect(re.escape(PROMPT))
    if state_of(sleeper) != "T":
        fail("PROGRAM is not stopped after Ctrl-Z", s)
    s.command("jobs")
    s.expect(r"Stopped +%s -- sleep %s" % (re.escape(aiorun), SLEEPS[0]))
    s.command("fg")
    wait_until("PROGRAM runs again", lambda: state_of(sleeper) == "S", s)
    wait_until("PROGRAM has the terminal again",
               lambda: foreground_group_is(sleeper), s)
    s.send("\x03")
    status_is(s, 130)
    if pids_of(["sleep", SLEEPS[0]]):
        fail("PROGRAM is left running", s)
    s.close()


def background_then_fg(aiorun):
    """aiorun -- cat &, then fg: cat gets the terminal and echoes."""
    s = Session()
    s.command("%s -q -- cat -u - &" % aiorun)
    job = int(s.expect(r"\[1\] (\d+)\n").group(1))
    s.expect(re.escape(PROMPT))
    cat = one_pid(["cat", "-u", "-"], s)
    # cat reads the terminal from the background: SIGTTIN stops it, and
    # aiorun stops with it, so that the shell knows its job is stopped.
    wait_until("cat is stopped", lambda: state_of(cat) == "T", s)
    wait_until("aiorun is stopped", lambda: state_of(job) == "T", s)
    s.command("jobs")
    s.expect(r"Stopped")
    s.command("fg")
    s.expect(r"cat -u -\n")
    wait_until("cat has the terminal", lambda: foreground_group_is(cat), s)
    s.command("hello there")
    s.expect(r"hello there\nhello there\n")
    s.send("\x04")
    status_is(s, 0)
    s.close()


def worker_set_ctrl_z(aiorun):
    """Ctrl-Z on a worker set stops the workers and aiorun; fg goes on."""
    s = Session()
    s.command("%s -w a='exec sleep %s' -w b='exec sleep %s'"
              % (aiorun, SLEEPS[1], SLEEPS[2]))
    a = one_pid(["sleep", SLEEPS[1]], s)
    b = one_pid(["sleep", SLEEPS[2]], s)
    s.send("\x1a")
    s.expect(r"Stopped")
    s.expect(re.escape(PROMPT))
    wait_until("both workers are stopped",
               lambda: state_of(a) == "T" and state_of(b) == "T", s)
    s.command("fg")
    wait_until("both workers run again",
               lambda: state_of(a) == "S" and state_of(b) == "S", s)
    s.send("\x03")
    s.expect(r"Stopping the loop \(received SIGINT\)")
    s.expect(r"Leaving\. Bye!")
    status_is(s, 0)
    if pids_of(["sleep", SLEEPS[1]]) or pids_of(["sleep", SLEEPS[2]]):
        fail("a worker is left running", s)
    s.close()


SCENARIOS = {
    "ctrl-z-then-fg": ctrl_z_then_fg,
    "background-then-fg": background_then_fg,
    "worker-set-ctrl-z": worker_set_ctrl_z,
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in SCENARIOS:
        print("usage: pty_session.py {%s} AIORUN" % ",".join(SCENARIOS))
        sys.exit(64)
    SCENARIOS[sys.argv[1]](sys.argv[2])
    print("ok")
