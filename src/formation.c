#include "formation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "parse.h"

/* Calls EACH with every "NAME=N" item of TEXT; stops at the first -1. */
static int each_item(const char *text,
		     int (*each)(const char *name, int count, void *data),
		     void *data)
{
	char *list = strdup(text), *rest = list, *item;
	int result = 0, items = 0;

	if (list == NULL)
		return -1;
	while (result == 0 && (item = strsep(&rest, ",")) != NULL) {
		char *equals = strchr(item, '=');
		long long count;

		items++;
		if (equals == NULL) {
			result = -1;
			break;
		}
		*equals = '\0';
		if (parse_number(equals + 1, 0, WORKER_COPIES_MAX, &count) ==
			    -1 ||
		    !worker_valid_name(item))
			result = -1;
		else
			result = each(item, (int)count, data);
	}
	free(list);
	return items > 0 ? result : -1;
}

static int accept_item(const char *name, int count, void *data)
{
	(void)name;
	(void)count;
	(void)data;
	return 0;
}

int formation_check(const char *text)
{
	return each_item(text, accept_item, NULL);
}

/* The settings, and where the formation came from, for messages. */
struct counting {
	struct settings *s;
	const char *where;
};

static int count_all(const char *name, int count, void *data)
{
	struct settings *s = ((struct counting *)data)->s;

	if (strcmp(name, "all") != 0)
		return 0;
	for (size_t i = 0; i < s->worker_count; i++)
		if (!s->workers[i].is_main)
			s->workers[i].copies = count;
	return 0;
}

static int count_named(const char *name, int count, void *data)
{
	struct counting *c = data;
	struct settings *s = c->s;
	struct worker *w;

	if (strcmp(name, "all") == 0)
		return 0;
	if ((w = settings_find_worker(s, name)) == NULL)
		return settings_fail(s, "%s: no worker named '%s'", c->where,
				     name);
	if (w->is_main)
		return settings_fail(s, "%s: PROGRAM cannot be copied",
				     c->where);
	w->copies = count;
	return 0;
}

int formation_count(struct settings *s)
{
	char where[600];
	struct counting c = {
		.s = s,
		.where = options_where(s, "formation", where, sizeof(where)),
	};

	if (s->formation == NULL)
		return 0;
	if (each_item(s->formation, count_all, &c) == -1 ||
	    each_item(s->formation, count_named, &c) == -1)
		return settings_fail(s, "%s: invalid '%s'", c.where,
				     s->formation);
	return 0;
}

/* The names of W's copies, each with CONDITION, appended to AFTER and
 * CONDITIONS at *COUNT. */
static int add_after(struct settings *s, const struct worker *w,
		     enum after_condition condition, char **after,
		     enum after_condition *conditions, int *count)
{
	for (int i = 1; i <= w->copies; i++) {
		char *name;
		int n = w->copies == 1 ? asprintf(&name, "%s", w->name)
				       : asprintf(&name, "%s.%d", w->name, i);

		if (n == -1 || settings_own(s, name) == NULL)
			return -1;
		conditions[*count] = condition;
		after[(*count)++] = name;
	}
	return 0;
}

/* W's "after" list, each copied worker's name replaced by its copies',
 * each with the condition the name had. ORIGINAL is the table before the
 * expansion. */
static int expand_after(struct settings *s, struct worker *w,
			const struct worker *original, size_t original_count)
{
	enum after_condition *conditions;
	size_t total = (size_t)w->after_count;
	char **after;
	int count = 0;

	if (w->after_count == 0)
		return 0;
	for (int a = 0; a < w->after_count; a++)
		for (size_t i = 0; i < original_count; i++)
			if (strcmp(w->after[a], original[i].name) == 0)
				total += (size_t)original[i].copies;
	after = settings_own(s, calloc(total + 1, sizeof(*after)));
	conditions = settings_own(s, calloc(total + 1, sizeof(*conditions)));
	if (after == NULL || conditions == NULL)
		return -1;
	for (int a = 0; a < w->after_count; a++) {
		const struct worker *other = NULL;

		for (size_t i = 0; i < original_count && other == NULL; i++)
			if (strcmp(w->after[a], original[i].name) == 0)
				other = &original[i];
		/* Unknown names are worker_link_all's to report. */
		if (other == NULL) {
			conditions[count] = w->after_condition[a];
			after[count++] = w->after[a];
		} else if (add_after(s, other, w->after_condition[a], after,
				     conditions, &count) == -1) {
			return -1;
		}
	}
	w->after = after;
	w->after_condition = conditions;
	w->after_count = count;
	return 0;
}

static char *copy_text(struct settings *s, const char *base, int i)
{
	char *text;

	if (asprintf(&text, "%s.%d", base, i) == -1)
		return NULL;
	return settings_own(s, text);
}

int formation_expand(struct settings *s)
{
	struct worker *original = s->workers, *table;
	size_t count = 0, total = 0, original_count = s->worker_count;

	for (size_t i = 0; i < original_count; i++) {
		struct worker *w = &original[i];

		if (s->procfile != NULL && w->procfile_index >= 0)
			w->port = s->port_base + 100 * w->procfile_index;
		/* A PORT no program can bind is refused, where foreman
		 * hands it on: the last copy's is the highest. */
		if (w->port > 0 && w->port + w->copies - 1 > 65535) {
			char copy[32] = "";

			if (w->copies > 1)
				snprintf(copy, sizeof(copy), ".%d", w->copies);
			return settings_fail(s,
					     "%s: %s%s would get PORT %d, past "
					     "65535 (the base is %d)",
					     w->origin, w->name, copy,
					     w->port + w->copies - 1,
					     s->port_base);
		}
		total += (size_t)w->copies;
	}
	if ((table = calloc(total + 1, sizeof(*table))) == NULL)
		return settings_fail(s, "out of memory");
	for (size_t i = 0; i < original_count; i++) {
		const struct worker *w = &original[i];

		for (int c = 1; c <= w->copies; c++) {
			struct worker *copy = &table[count++];

			*copy = *w;
			if (w->copies == 1)
				continue;
			copy->name = copy_text(s, w->name, c);
			if (w->log_file != NULL)
				copy->log_file = copy_text(s, w->log_file, c);
			if (w->port > 0)
				copy->port = w->port + c - 1;
			if (copy->name == NULL ||
			    (w->log_file != NULL && copy->log_file == NULL)) {
				free(table);
				return settings_fail(s, "out of memory");
			}
		}
	}
	for (size_t i = 0; i < count; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(table[i].name, table[j].name) == 0) {
				settings_fail(s,
					      "%s: duplicate worker name '%s' "
					      "(a copy of %s)",
					      table[j].origin, table[i].name,
					      table[i].origin);
				free(table);
				return -1;
			}
		if (expand_after(s, &table[i], original, original_count) ==
		    -1) {
			free(table);
			return settings_fail(s, "out of memory");
		}
	}
	free(original);
	s->workers = table;
	s->worker_count = count;
	s->worker_cap = total + 1;
	return 0;
}
