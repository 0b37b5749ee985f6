#include "conffile.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "worker.h"

/* The INI reader follows inih's reading line by line, so that every
 * message can name the line, and keeps the sections it saw: inih itself
 * says nothing of a section that has no keys. */
struct ini_state {
	struct settings *s;
	const char *path;
	FILE *file;
	int line;             /* the line inih is at */
	bool line_done;       /* the last chunk read ended a line */
	size_t section_index; /* worker being filled, or SIZE_MAX */
	char section[256];    /* the section of the last key */
	struct section_seen {
		char *name;
		int line;
	} * sections;
	size_t section_count;
};

static const char worker_prefix[] = "worker:";

/* inih cuts longer section names (its MAX_SECTION, with the final NUL). */
#define INI_SECTION_MAX 50

static int remember_section(struct ini_state *st, const char *text)
{
	const char *end = strchr(text, ']');
	struct section_seen *grown;
	char *name;

	if (end == NULL)
		return 0; /* inih reports it */
	if (end - text - 1 >= INI_SECTION_MAX)
		return settings_fail(
			st->s, "%s:%d: section name longer than %d characters",
			st->path, st->line, INI_SECTION_MAX - 1);
	name = settings_own(st->s, strndup(text + 1, (size_t)(end - text - 1)));
	grown = reallocarray(st->sections, st->section_count + 1,
			     sizeof(*grown));
	if (name == NULL || grown == NULL)
		return -1;
	st->sections = grown;
	for (size_t i = 0; i < st->section_count; i++)
		if (strcmp(grown[i].name, name) == 0)
			return settings_fail(st->s,
					     "%s:%d: duplicate section [%s] "
					     "(first at line %d)",
					     st->path, st->line, name,
					     grown[i].line);
	grown[st->section_count++] = (struct section_seen){name, st->line};
	return 0;
}

/* inih's fgets: counts lines, notes section headers. */
static char *ini_read(char *buf, int size, void *stream)
{
	struct ini_state *st = stream;
	const char *text;
	size_t len;

	if (fgets(buf, size, st->file) == NULL)
		return NULL;
	if (st->line_done)
		st->line++;
	len = strlen(buf);
	st->line_done = len > 0 && buf[len - 1] == '\n';
	text = buf + strspn(buf, " \t");
	/* On an error, end the file here: inih stops, S->error tells. */
	if (text[0] == '[' && remember_section(st, text) == -1)
		return NULL;
	return buf;
}

static int section_line(const struct ini_state *st, const char *name)
{
	for (size_t i = 0; i < st->section_count; i++)
		if (strcmp(st->sections[i].name, name) == 0)
			return st->sections[i].line;
	return st->line;
}

/* "worker:NAME", the section a worker NAME was declared in. */
static const char *origin_section(const char *name)
{
	static char section[300];

	snprintf(section, sizeof(section), "%s%s", worker_prefix, name);
	return section;
}

static struct worker *section_worker(struct ini_state *st, const char *name)
{
	struct settings *s = st->s;
	struct worker *procfile_worker = settings_find_worker(s, name);
	char header[512];

	if (st->section_index < s->worker_count &&
	    strcmp(s->workers[st->section_index].name, name) == 0)
		return &s->workers[st->section_index];
	/* The Procfile's worker NAME, read first: the section adds keys
	 * to it (SPEC section 11). */
	if (procfile_worker != NULL && procfile_worker->procfile_index >= 0) {
		st->section_index = (size_t)(procfile_worker - s->workers);
		return procfile_worker;
	}

	/* Errors of the name belong to the section's header line. */
	snprintf(header, sizeof(header), "%s:%d", st->path,
		 section_line(st, origin_section(name)));
	if (settings_add_worker(s, name, NULL, header) == NULL)
		return NULL;
	st->section_index = s->worker_count - 1;
	return &s->workers[st->section_index];
}

static int ini_handle(void *user, const char *section, const char *key,
		      const char *value)
{
	struct ini_state *st = user;
	char origin[512];
	struct worker *w;

	snprintf(origin, sizeof(origin), "%s:%d", st->path, st->line);
	if (strcmp(section, "aiorun") == 0)
		return options_set_file_key(st->s, key, value, origin) == 0;
	if (strncmp(section, worker_prefix, sizeof(worker_prefix) - 1) != 0) {
		settings_fail(st->s, "%s:%d: unknown section [%s]", st->path,
			      section_line(st, section), section);
		return 0;
	}
	w = section_worker(st, section + sizeof(worker_prefix) - 1);
	if (w != NULL && w->procfile_index >= 0 &&
	    strcmp(key, "command") == 0) {
		settings_fail(st->s,
			      "%s: [%s] has a command, and so has the "
			      "Procfile's worker at %s",
			      origin, section, w->origin);
		return 0;
	}
	return w != NULL && worker_set_key(st->s, w, key, value, origin) == 0;
}

/* Sections inih never reported: empty ones, and workers without a
 * command. */
static int check_sections(struct ini_state *st)
{
	struct settings *s = st->s;

	for (size_t i = 0; i < st->section_count; i++) {
		const char *name = st->sections[i].name;
		const char *worker = name + sizeof(worker_prefix) - 1;
		int line = st->sections[i].line;
		bool found = false;

		if (strcmp(name, "aiorun") == 0)
			continue;
		if (strncmp(name, worker_prefix, sizeof(worker_prefix) - 1) !=
		    0)
			return settings_fail(s, "%s:%d: unknown section [%s]",
					     st->path, line, name);
		if (!worker_valid_name(worker))
			return settings_fail(
				s,
				"%s:%d: invalid worker name '%s' "
				"(letters, digits, '_', '-' and '.')",
				st->path, line, worker);
		for (size_t w = 0; w < s->worker_count && !found; w++) {
			if (strcmp(s->workers[w].name, worker) != 0)
				continue;
			found = true;
			if (s->workers[w].argv[2] == NULL)
				return settings_fail(
					s, "%s:%d: [%s] has no command",
					st->path, line, name);
		}
		if (!found)
			return settings_fail(s, "%s:%d: [%s] has no command",
					     st->path, line, name);
	}
	return 0;
}

int conffile_read_ini(struct settings *s, const char *path)
{
	struct ini_state st = {
		.s = s,
		.path = path,
		.line_done = true,
		.section_index = SIZE_MAX,
	};
	int result;

	if ((st.file = fopen(path, "re")) == NULL)
		return settings_fail(s, "%s: %s", path, strerror(errno));
	/* Debian's inih takes these at run time: whole lines of any length,
	 * no inline comments (a ';' belongs to the shell command), and each
	 * line on its own. */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 1 << 20;
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;

	result = ini_parse_stream(ini_read, &st, ini_handle, &st);
	fclose(st.file);
	if (s->error[0] != '\0')
		result = -1;
	else if (result == -2)
		result = settings_fail(s, "%s: out of memory", path);
	else if (result != 0)
		result = settings_fail(s, "%s:%d: syntax error", path, st.line);
	else
		result = check_sections(&st);
	free(st.sections);
	return result;
}

/* Reads PATH line by line, calling HANDLE with each line stripped of its
 * newline and of surrounding blanks; blank lines and '#' comments are
 * skipped. */
static int each_line(struct settings *s, const char *path,
		     int (*handle)(struct settings *s, char *line,
				   const char *origin))
{
	FILE *file = fopen(path, "re");
	char *line = NULL, origin[512];
	size_t size = 0;
	ssize_t len;
	int number = 0, result = 0;

	if (file == NULL)
		return settings_fail(s, "%s: %s", path, strerror(errno));
	while (result == 0 && (len = getline(&line, &size, file)) != -1) {
		char *text = line + strspn(line, " \t");

		number++;
		while (len > 0 && strchr(" \t\r\n", line[len - 1]) != NULL)
			line[--len] = '\0';
		if (text[0] == '\0' || text[0] == '#')
			continue;
		snprintf(origin, sizeof(origin), "%s:%d", path, number);
		result = handle(s, text, origin);
	}
	if (result == 0 && ferror(file))
		result = settings_fail(s, "%s: %s", path, strerror(errno));
	free(line);
	fclose(file);
	return result;
}

static int procfile_line(struct settings *s, char *line, const char *origin)
{
	char *colon = strchr(line, ':');
	struct worker *w;
	char *command;
	int index = 0;

	if (colon == NULL)
		return settings_fail(s, "%s: expected 'NAME: COMMAND'", origin);
	*colon = '\0';
	command = colon + 1 + strspn(colon + 1, " \t");
	if (command[0] == '\0')
		return settings_fail(s, "%s: %s has no command", origin, line);
	for (size_t i = 0; i < s->worker_count; i++)
		if (s->workers[i].procfile_index >= 0)
			index++;
	if ((w = settings_add_worker(s, line, command, origin)) == NULL)
		return -1;
	w->procfile_index = index;
	return 0;
}

int conffile_read_procfile(struct settings *s, const char *path)
{
	return each_line(s, path, procfile_line);
}

static int env_line(struct settings *s, char *line, const char *origin)
{
	size_t count = 0, key_len, value_len;
	char **grown, *value;

	if (strncmp(line, "export", 6) == 0 &&
	    (line[6] == ' ' || line[6] == '\t'))
		line += 6 + strspn(line + 6, " \t");
	key_len = strcspn(line, "=");
	if (line[key_len] != '=' || !worker_valid_env_key(line, key_len))
		return settings_fail(s, "%s: expected 'KEY=VALUE'", origin);
	/* One pair of quotes around the value is dropped. */
	value = line + key_len + 1;
	value_len = strlen(value);
	if (value_len >= 2 && (value[0] == '"' || value[0] == '\'') &&
	    value[value_len - 1] == value[0]) {
		memmove(value, value + 1, value_len - 2);
		value[value_len - 2] = '\0';
	}

	while (s->env_common != NULL && s->env_common[count] != NULL)
		count++;
	grown = settings_own(s, calloc(count + 2, sizeof(*grown)));
	if (grown == NULL)
		return settings_fail(s, "%s: out of memory", origin);
	if (count > 0)
		memcpy(grown, s->env_common, count * sizeof(*grown));
	grown[count] = settings_strdup(s, line);
	s->env_common = grown;
	return grown[count] == NULL ? -1 : 0;
}

int conffile_read_env(struct settings *s, const char *path)
{
	return each_line(s, path, env_line);
}
