#include "accounts.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define PASSWD_FILE "/etc/passwd"
#define GROUP_FILE "/etc/group"

/* A whole number that fits an id, or -1. */
static long parse_id(const char *text)
{
	long long id;

	return parse_number(text, 0, 0x7fffffff, &id) == 0 ? (long)id : -1;
}

int accounts_user(const char *name_or_id, struct account *user)
{
	long id = parse_id(name_or_id);
	FILE *file = fopen(PASSWD_FILE, "re");
	struct passwd *pw;

	*user = (struct account){.uid = (uid_t)id, .gid = (gid_t)id};
	while (file != NULL && (pw = fgetpwent(file)) != NULL) {
		if (id >= 0 ? pw->pw_uid == (uid_t)id
			    : strcmp(pw->pw_name, name_or_id) == 0) {
			user->uid = pw->pw_uid;
			user->gid = pw->pw_gid;
			strlcpy(user->name, pw->pw_name, sizeof(user->name));
			break;
		}
	}
	if (file != NULL)
		fclose(file);
	return id >= 0 || user->name[0] != '\0' ? 0 : -1;
}

int accounts_group(const char *name_or_id, gid_t *gid)
{
	long id = parse_id(name_or_id);
	FILE *file;
	struct group *gr;
	int found = -1;

	if (id >= 0) {
		*gid = (gid_t)id;
		return 0;
	}
	if ((file = fopen(GROUP_FILE, "re")) == NULL)
		return -1;
	while ((gr = fgetgrent(file)) != NULL) {
		if (strcmp(gr->gr_name, name_or_id) == 0) {
			*gid = gr->gr_gid;
			found = 0;
			break;
		}
	}
	fclose(file);
	return found;
}

static bool is_member(const struct group *gr, const char *user)
{
	for (char **member = gr->gr_mem; *member != NULL; member++)
		if (strcmp(*member, user) == 0)
			return true;
	return false;
}

gid_t *accounts_groups_of(const char *user, gid_t primary, int *count)
{
	FILE *file = fopen(GROUP_FILE, "re");
	gid_t *groups = malloc(sizeof(*groups));
	struct group *gr;
	int n = 1;

	if (groups == NULL) {
		if (file != NULL)
			fclose(file);
		return NULL;
	}
	groups[0] = primary;
	while (file != NULL && (gr = fgetgrent(file)) != NULL) {
		gid_t *grown;

		if (gr->gr_gid == primary || !is_member(gr, user))
			continue;
		grown = reallocarray(groups, (size_t)n + 1, sizeof(*groups));
		if (grown == NULL) {
			free(groups);
			fclose(file);
			errno = ENOMEM;
			return NULL;
		}
		groups = grown;
		groups[n++] = gr->gr_gid;
	}
	if (file != NULL)
		fclose(file);
	*count = n;
	return groups;
}
