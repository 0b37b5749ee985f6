/* Pseudo-terminals for workers with "tty = yes" (SPEC section 11): the
 * worker gets the terminal (its standard input, output and error, and
 * its controlling terminal); aiorun reads its output from the master. */
#ifndef AIORUN_PTY_H
#define AIORUN_PTY_H

/* A new pseudo-terminal: *MASTER (non-blocking) and *SLAVE, both
 * close-on-exec. The terminal writes "\n" as it is (no "\r\n") and echoes
 * nothing, so that what the worker wrote is what is read; its size is
 * that of aiorun's own terminal, if any. Returns 0, or -1 with errno
 * set. */
int pty_open(int *master, int *slave);

/* Gives MASTER's terminal the size of aiorun's own, if it has one: the
 * kernel then sends SIGWINCH to the terminal's foreground group. */
void pty_follow_size(int master);

#endif
