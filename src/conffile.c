#include "conffile.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "worker.h"

/* The INI reader hands inih whole lines that it read and checked itself,
 * so that every message can name the line, whatever chunks inih asks
 * for: a NUL byte, a line over the limit and text after a section header
 * are refused here, and the sections seen are kept (inih says nothing
 * of a section that has no keys). */
struct ini_state {
	struct settings *s;
	const char *path;
	FILE *file;
	int line;   /* the line being handed to inih */
	char *text; /* that line, as read */
	size_t text_cap;
	size_t len, served;   /* its length, and what inih has of it */
	size_t section_index; /* worker being filled, or SIZE_MAX */
	struct section_seen {
		char *name;
		int line;
	} * sections;
	size_t section_count;
};

static const char worker_prefix[] = "worker:";

/* inih cuts longer section names (its MAX_SECTION, with the final NUL). */
#define INI_SECTION_MAX 50

/* Reads line NUMBER of PATH into *BUF (grown as getline(3) grows it),
 * with its newline if it has one. Returns its length; -1 at the end of
 * the file; -2 after storing an error: a read error, a NUL byte, or a
 * line over CONFFILE_LINE_MAX, which is not read past the limit (a file
 * such as /dev/zero has no end). */
static ssize_t read_line(struct settings *s, FILE *file, const char *path,
			 int number, char **buf, size_t *cap)
{
	size_t len = 0;
	int c;

	while ((c = getc_unlocked(file)) != EOF) {
		if (len + 2 > *cap) {
			size_t grown_cap = *cap < 128 ? 256 : 2 * *cap;
			char *grown;

			if (grown_cap > CONFFILE_LINE_MAX + 2)
				grown_cap = CONFFILE_LINE_MAX + 2;
			if ((grown = realloc(*buf, grown_cap)) == NULL) {
				settings_fail(s, "%s: out of memory", path);
				return -2;
			}
			*buf = grown;
			*cap = grown_cap;
		}
		(*buf)[len++] = (char)c;
		if (c == '\n')
			break;
		if (len > CONFFILE_LINE_MAX) {
			settings_fail(s, "%s:%d: line longer than %d bytes",
				      path, number, CONFFILE_LINE_MAX);
			return -2;
		}
	}
	if (ferror(file)) {
		settings_fail(s, "%s: %s", path, strerror(errno));
		return -2;
	}
	if (len == 0)
		return -1;
	(*buf)[len] = '\0';
	if (memchr(*buf, '\0', len) != NULL) {
		settings_fail(s, "%s:%d: a NUL byte", path, number);
		return -2;
	}
	return (ssize_t)len;
}

/* TEXT is a section header, from its '['. */
static int remember_section(struct ini_state *st, const char *text)
{
	const char *end = strchr(text, ']');
	struct section_seen *grown;
	const char *rest;
	char *name;

	if (end == NULL)
		return 0; /* inih reports it */
	/* inih ignores what follows the ']'; aiorun has no use for it. */
	for (rest = end + 1; *rest != '\0'; rest++)
		if (!isspace((unsigned char)*rest))
			return settings_fail(st->s,
					     "%s:%d: text after the section "
					     "header",
					     st->path, st->line);
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

/* Reads the next line and checks what inih would take silently. */
static int next_line(struct ini_state *st)
{
	ssize_t len = read_line(st->s, st->file, st->path, st->line + 1,
				&st->text, &st->text_cap);
	const char *text;

	if (len < 0)
		return -1;
	st->line++;
	st->len = (size_t)len;
	st->served = 0;
	text = st->text;
	/* inih skips a UTF-8 byte order mark, then blanks as isspace(3). */
	if (st->line == 1 && strncmp(text, "\xEF\xBB\xBF", 3) == 0)
		text += 3;
	while (isspace((unsigned char)*text))
		text++;
	if (text[0] == '[' && remember_section(st, text) == -1)
		return -1;
	return 0;
}

/* inih's fgets. A line longer than SIZE goes in pieces: inih asks for
 * the rest as long as a piece does not end with the newline. */
static char *ini_read(char *buf, int size, void *stream)
{
	struct ini_state *st = stream;
	size_t piece;

	/* On an error, end the file here: inih stops, S->error tells. */
	if (st->served == st->len && next_line(st) == -1)
		return NULL;
	piece = st->len - st->served;
	if (piece > (size_t)size - 1)
		piece = (size_t)size - 1;
	memcpy(buf, st->text + st->served, piece);
	buf[piece] = '\0';
	st->served += piece;
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
		.section_index = SIZE_MAX,
	};
	int result;

	if ((st.file = fopen(path, "re")) == NULL)
		return settings_fail(s, "%s: %s", path, strerror(errno));
	/* Debian's inih takes these at run time (meson.build checks that it
	 * does): lines up to the limit whole, with the newline and the
	 * final NUL; no inline comments (a ';' belongs to the shell
	 * command); each line on its own; a byte order mark skipped. */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = CONFFILE_LINE_MAX + 2;
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_stop_on_first_error = true;
	ini_allow_bom = true;

	result = ini_parse_stream(ini_read, &st, ini_handle, &st);
	fclose(st.file);
	free(st.text);
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
static int each_line(struct settings *s, const char *path, const char *named_by,
		     int (*handle)(struct settings *s, char *line,
				   const char *origin))
{
	FILE *file = fopen(path, "re");
	char *line = NULL, origin[512];
	size_t size = 0;
	ssize_t len;
	int number = 0, result = 0;

	if (file == NULL && named_by != NULL)
		return settings_fail(s, "%s: %s: %s", named_by, path,
				     strerror(errno));
	if (file == NULL)
		return settings_fail(s, "%s: %s", path, strerror(errno));
	while (result == 0 && (len = read_line(s, file, path, number + 1, &line,
					       &size)) >= 0) {
		char *text = line;

		/* A UTF-8 byte order mark, as some Windows editors write:
		 * skipped, as inih skips it in a config file. */
		if (number == 0 && strncmp(text, "\xef\xbb\xbf", 3) == 0)
			text += 3;
		text += strspn(text, " \t");
		number++;
		while (len > 0 && strchr(" \t\r\n", line[len - 1]) != NULL)
			line[--len] = '\0';
		if (text[0] == '\0' || text[0] == '#')
			continue;
		snprintf(origin, sizeof(origin), "%s:%d", path, number);
		result = handle(s, text, origin);
	}
	if (len == -2)
		result = -1;
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
	return each_line(s, path, NULL, procfile_line);
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

int conffile_read_env(struct settings *s, const char *path,
		      const char *named_by)
{
	return each_line(s, path, named_by, env_line);
}
