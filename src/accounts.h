/* Users and groups, read from /etc/passwd and /etc/group with glibc's
 * fgetpwent and fgetgrent: no NSS, so a static aiorun looks them up as
 * reliably as a dynamic one (NSS would dlopen its modules). Directory
 * services such as LDAP are not consulted; numeric ids always work. */
#ifndef AIORUN_ACCOUNTS_H
#define AIORUN_ACCOUNTS_H

#include <stdbool.h>
#include <sys/types.h>

struct account {
	uid_t uid;
	gid_t gid;      /* the user's primary group */
	char name[256]; /* empty for a number with no entry */
};

/* NAME_OR_ID is a user name or a number. Returns 0, or -1 when a name has
 * no entry. A number without an entry is its own uid and gid. */
int accounts_user(const char *name_or_id, struct account *user);

/* A group name or a number. Returns 0, or -1 when a name has no entry. */
int accounts_group(const char *name_or_id, gid_t *gid);

/* The groups USER belongs to, PRIMARY first, into a new array of
 * *COUNT entries. Returns it, or NULL with errno set. */
gid_t *accounts_groups_of(const char *user, gid_t primary, int *count);

#endif
