#include "settings.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

void settings_init(struct settings *s)
{
	*s = (struct settings){
		.grace = 10,
		.stop_on = STOP_ON_FAILURE,
		.port_base = 5000,
		.log_level = LOG_LEVEL_INFO,
	};
	for (int code = 0; code < 256; code++)
		s->exit_map[code] = code;
}

void *settings_own(struct settings *s, void *ptr)
{
	if (ptr == NULL)
		return NULL;
	if (s->owned_count == s->owned_cap) {
		size_t cap = s->owned_cap ? 2 * s->owned_cap : 64;
		void **grown = reallocarray(s->owned, cap, sizeof(*grown));

		if (grown == NULL) {
			free(ptr);
			return NULL;
		}
		s->owned = grown;
		s->owned_cap = cap;
	}
	s->owned[s->owned_count++] = ptr;
	return ptr;
}

char *settings_strdup(struct settings *s, const char *text)
{
	return settings_own(s, strdup(text));
}

int settings_fail(struct settings *s, const char *fmt, ...)
{
	va_list ap;

	if (s->error[0] != '\0')
		return -1;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	return -1;
}

void settings_finish(struct settings *s)
{
	for (size_t i = 0; i < s->owned_count; i++)
		free(s->owned[i]);
	free(s->owned);
	free(s->workers);
	s->owned = NULL;
	s->workers = NULL;
	s->owned_count = s->worker_count = 0;
}

static struct worker *add_worker(struct settings *s, const char *name,
				 const char *origin)
{
	struct worker *w;

	if (!worker_valid_name(name)) {
		settings_fail(s,
			      "%s: invalid worker name '%s' (letters, digits, "
			      "'_', '-' and '.')",
			      origin, name);
		return NULL;
	}
	for (size_t i = 0; i < s->worker_count; i++) {
		if (strcmp(s->workers[i].name, name) == 0) {
			settings_fail(s,
				      "%s: duplicate worker name '%s' (first "
				      "declared at %s)",
				      origin, name, s->workers[i].origin);
			return NULL;
		}
	}
	if (s->worker_count == s->worker_cap) {
		size_t cap = s->worker_cap ? 2 * s->worker_cap : 8;
		struct worker *grown =
			reallocarray(s->workers, cap, sizeof(*grown));

		if (grown == NULL) {
			settings_fail(s, "%s: out of memory", origin);
			return NULL;
		}
		s->workers = grown;
		s->worker_cap = cap;
	}
	w = &s->workers[s->worker_count++];
	worker_init(w, settings_strdup(s, name), settings_strdup(s, origin));
	if (w->name == NULL || w->origin == NULL) {
		s->worker_count--;
		settings_fail(s, "%s: out of memory", origin);
		return NULL;
	}
	return w;
}

struct worker *settings_add_worker(struct settings *s, const char *name,
				   const char *command, const char *origin)
{
	struct worker *w = add_worker(s, name, origin);
	char **argv;

	if (w == NULL)
		return NULL;
	argv = settings_own(s, calloc(4, sizeof(*argv)));
	if (argv == NULL) {
		settings_fail(s, "%s: out of memory", origin);
		return NULL;
	}
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = command ? settings_strdup(s, command) : NULL;
	w->argv = argv;
	return w;
}

struct worker *settings_add_program(struct settings *s, char **argv)
{
	struct worker *w = add_worker(s, "main", "PROGRAM");

	if (w == NULL)
		return NULL;
	w->argv = argv;
	w->is_main = true;
	w->foreground = true;
	return w;
}

struct worker *settings_find_worker(const struct settings *s, const char *name)
{
	for (size_t i = 0; i < s->worker_count; i++)
		if (strcmp(s->workers[i].name, name) == 0)
			return &s->workers[i];
	return NULL;
}

static const char *restart_name(enum restart_policy policy)
{
	static const char *const names[] = {
		[RESTART_NO] = "no",
		[RESTART_ON_FAILURE] = "on-failure",
		[RESTART_ALWAYS] = "always",
	};
	return names[policy];
}

/* TEXT as a JSON string's inside, on standard output. */
static void print_json_text(const char *text)
{
	size_t len = strlen(text);
	char *escaped = malloc(json_escaped_len(text, len) + 1);

	if (escaped == NULL)
		return;
	fwrite(escaped, 1, (size_t)(json_escape(escaped, text, len) - escaped),
	       stdout);
	free(escaped);
}

static void print_text(const char *text, bool json)
{
	if (json)
		print_json_text(text);
	else
		fputs(text, stdout);
}

/* The command as --check shows it: PROGRAM's words, or the shell line. */
static void print_command(const struct worker *w, bool json)
{
	if (!w->is_main) {
		print_text(w->argv[2], json);
		return;
	}
	for (char **arg = w->argv; *arg != NULL; arg++) {
		if (arg != w->argv)
			putchar(' ');
		print_text(*arg, json);
	}
}

void settings_print(const struct settings *s)
{
	int width = 0;

	for (size_t i = 0; i < s->worker_count; i++)
		if ((int)strlen(s->workers[i].name) > width)
			width = (int)strlen(s->workers[i].name);
	for (size_t i = 0; i < s->worker_count; i++) {
		const struct worker *w = &s->workers[i];
		const char *role = w->is_main     ? "program"
				   : w->waits_for ? "waits-for"
						  : NULL;

		/* In JSON, as every line aiorun writes (SPEC section 12). */
		if (s->output.json)
			printf("{\"name\":\"%s\",\"restart\":\"%s\","
			       "\"role\":\"%s\",\"command\":\"",
			       w->name, restart_name(w->restart),
			       role != NULL ? role : "worker");
		else
			printf("%-*s  restart=%-10s %-9s ", width, w->name,
			       restart_name(w->restart),
			       role != NULL ? role : "-");
		print_command(w, s->output.json);
		printf(s->output.json ? "\"}\n" : "\n");
	}
	fflush(stdout);
}
