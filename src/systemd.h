/* systemd, without libsystemd: the notification protocol (one datagram
 * of "KEY=VALUE" lines to the socket that $NOTIFY_SOCKET names, a path or
 * "@name" in the abstract namespace), the watchdog's pings, and the
 * sockets of socket activation. Nothing is sent when NOTIFY_SOCKET is
 * unset, so every call is harmless outside systemd. */
#ifndef AIORUN_SYSTEMD_H
#define AIORUN_SYSTEMD_H

#include <ev.h>

/* Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. Returns 0, or -1
 * with errno set when a socket is named but none can be made. */
int systemd_init(void);

/* Sends one datagram made of the formatted text. Failures are ignored: the
 * service manager may be gone, and that is no reason to stop. */
void systemd_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sends WATCHDOG=1 at half of WATCHDOG_USEC, when the watchdog is meant
 * for aiorun (WATCHDOG_PID unset or aiorun's); the pings do not keep the
 * loop running. Stop before leaving the loop. */
void systemd_watchdog_start(struct ev_loop *loop);
void systemd_watchdog_stop(struct ev_loop *loop);

/* The sockets systemd passed to aiorun itself (LISTEN_PID is aiorun's), at
 * 3 and up: their count, 0 if none, and their LISTEN_FDNAMES in *NAMES
 * (or NULL). */
int systemd_listen_fds(const char **names);

#endif
