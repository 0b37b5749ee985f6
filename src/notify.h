/* The systemd notification protocol, without libsystemd: one datagram of
 * "KEY=VALUE" lines to the socket that $NOTIFY_SOCKET names (a path, or
 * "@name" in the abstract namespace). Nothing is sent when the variable
 * is unset, so every call is harmless outside systemd. */
#ifndef AIORUN_NOTIFY_H
#define AIORUN_NOTIFY_H

#include <stdbool.h>

/* Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. Returns 0, or -1
 * with errno set when a socket is named but none can be made. */
int notify_init(void);

/* Whether a notification socket is there to send to. */
bool notify_enabled(void);

/* Sends one datagram made of the formatted text. Failures are ignored: the
 * service manager may be gone, and that is no reason to stop. */
void notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* How often to send WATCHDOG=1, in seconds: half of WATCHDOG_USEC when
 * the watchdog is meant for aiorun (WATCHDOG_PID unset or aiorun's), else
 * 0. */
double notify_watchdog_interval(void);

#endif
