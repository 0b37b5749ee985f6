#include "output.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "lines.h"
#include "log.h"
#include "logfile.h"
#include "pty.h"

/* PIPE_BUF: a write of at most this much to a pipe is atomic, so no
 * write carries more than this of whole lines (unless one line is
 * longer). */
#define WRITE_MAX 4096
/* What one pool job carries: many writes, to keep the jobs few. */
#define BATCH_MAX (256 * 1024)
#define BATCH_WRITES 96
/* A batch is one of these sizes, the smallest that holds about what the
 * last read asks (a terminal gives a few KiB a read): memory held stays
 * near the bytes in flight, and a written batch is kept for reuse. */
static const size_t batch_sizes[] = {16 * 1024, 64 * 1024, BATCH_MAX};
#define BATCH_SIZES 3
/* What one read takes from a pipe, and the size asked of each pipe. */
#define READ_SIZE (256 * 1024)
#define PIPE_SIZE (1024 * 1024)
/* Back-pressure: reading stops above HIGH bytes queued, resumes below LOW. */
#define IN_FLIGHT_HIGH (1024 * 1024)
#define IN_FLIGHT_LOW (256 * 1024)
/* Written batches kept for reuse: what is in flight at the most. */
#define SPARE_BATCHES 16

/* Whole lines for one of aiorun's descriptors, cut into writes of at most
 * WRITE_MAX bytes (a longer line is a write of its own). */
struct batch {
	struct pool_job job;
	struct output *out;
	struct sink *sink;
	size_t len, cap;
	size_t from;               /* written so far */
	size_t ends[BATCH_WRITES]; /* where each write ends */
	int writes;                /* ends used; the last is still open */
	bool last;                 /* a log file's last: sync and close */
	char data[];
};

/* Where B's write I begins and ends; the last one, still open, ends at
 * the batch's end. */
static inline size_t write_begin(const struct batch *b, int i)
{
	return i > 0 ? b->ends[i - 1] : 0;
}

static inline size_t write_end(const struct batch *b, int i)
{
	return i < b->writes ? b->ends[i] : b->len;
}

/* Where lines go: aiorun's standard output or error, or a worker's log
 * file. Only the sink's lane touches its descriptor and size, one job at
 * a time, on a pool thread. */
struct sink {
	struct pool_lane own_lane;
	struct pool_lane *lane; /* its own, or one it shares (see same_file) */
	struct batch *open;     /* being filled */
	int fd;                 /* standard output or error, or -1 */
	bool may_block;         /* a pipe, socket or terminal: may stall */
	bool no_nowait;         /* refuses RWF_NOWAIT (a terminal) */
	atomic_bool broken;     /* that output has no reader any more */
	atomic_bool failing;    /* its last write failed (a full disk, EIO):
				   lines are lost; the pool's writes say
				   when that ends */
	struct logfile *log;    /* or a worker's log file */
};

struct stream {
	struct output *out;
	char *name;       /* its worker's: a reload may free the definition */
	int dest;         /* 1 or 2 */
	bool tty;         /* the master of the worker's terminal */
	bool plain;       /* no JSON, no time stamps, no log file */
	struct sink *log; /* the worker's log file, or NULL */
	char *prefix;     /* "name   | ", coloured, or empty; in JSON all
			     before the line, {"time":"...","worker":"name",
			     "stream":"stdout","line":" with the time of the
			     last read */
	size_t prefix_len;
	struct ev_io watcher;
	struct line_buffer pending; /* read, not yet cut into lines */
	struct stream *next;
};

/* A worker's log file, by worker name and path: a reload that adds a
 * worker opens its own; one that changes the path opens another. */
struct log_entry {
	char *name;
	char *path;
	struct sink *sink;
};

struct output {
	struct ev_loop *loop;
	struct pool *pool;
	struct output_options options;
	bool prefix, colour[3];
	int width;          /* of the longest name */
	struct sink std[3]; /* [1] stdout, [2] stderr */
	/* Every worker name seen, in order: a name's place is its colour,
	 * stable for the run, whatever a reload adds or removes. */
	char **names;
	size_t name_count, name_cap;
	struct log_entry *logs; /* the log files opened, kept to the end */
	size_t log_count, log_cap;
	struct stream *streams;
	size_t in_flight;  /* bytes queued in batches, not yet written */
	size_t batch_size; /* of the next batch: as the last read asks */
	bool paused;
	atomic_bool abandoned; /* the rest of the output is given up */
	pthread_t loop_thread; /* the only one that fills batches */
	bool closed_told;      /* output_closed has been called */
	void (*closed)(int fd, void *data);
	void *closed_data;
	output_lines_fn *tap; /* sees the lines as they are cut, or NULL */
	void *tap_data;
	char stamp[32];
	time_t stamp_second;
	struct json_clock clock;
	/* Written batches of the two usual sizes, kept for reuse. */
	struct batch *spare[BATCH_SIZES][SPARE_BATCHES];
	int spare_count[BATCH_SIZES];
};

static const char *const colours[] = {
	"\033[36m", "\033[33m", "\033[32m", "\033[35m", "\033[34m", "\033[31m",
};
#define COLOUR_COUNT (sizeof(colours) / sizeof(colours[0]))

static struct sink *open_log(const struct worker *w);

/* NAME's place among the names seen, added (and the padding widened) if
 * new. Returns -1 with errno set. */
static int name_index(struct output *out, const char *name)
{
	char *copy;

	for (size_t i = 0; i < out->name_count; i++)
		if (strcmp(out->names[i], name) == 0)
			return (int)i;
	if (out->name_count == out->name_cap) {
		size_t cap = out->name_cap ? out->name_cap * 2 : 16;
		char **names = realloc(out->names, cap * sizeof(*names));

		if (names == NULL)
			return -1;
		out->names = names;
		out->name_cap = cap;
	}
	if ((copy = strdup(name)) == NULL)
		return -1;
	out->names[out->name_count] = copy;
	if ((int)strlen(name) > out->width)
		out->width = (int)strlen(name);
	return (int)out->name_count++;
}

/* W's log-file sink, opened if not yet; a sink with nothing to do (no
 * log file) is a placeholder, so that errno is only set by a failure.
 * Returns NULL with errno set. */
static struct sink *find_log(struct output *out, const struct worker *w)
{
	static struct sink none;
	struct log_entry *e;

	if (w->log_file == NULL)
		return &none;
	for (size_t i = 0; i < out->log_count; i++)
		if (strcmp(out->logs[i].name, w->name) == 0 &&
		    strcmp(out->logs[i].path, w->log_file) == 0)
			return out->logs[i].sink;
	if (out->log_count == out->log_cap) {
		size_t cap = out->log_cap ? out->log_cap * 2 : 8;
		struct log_entry *logs =
			realloc(out->logs, cap * sizeof(*logs));

		if (logs == NULL)
			return NULL;
		out->logs = logs;
		out->log_cap = cap;
	}
	e = &out->logs[out->log_count];
	*e = (struct log_entry){.name = strdup(w->name),
				.path = strdup(w->log_file)};
	if (e->name == NULL || e->path == NULL ||
	    (e->sink = open_log(w)) == NULL) {
		int error = errno;

		free(e->name);
		free(e->path);
		errno = error;
		return NULL;
	}
	out->log_count++;
	return e->sink;
}

/* NO_COLOR counts when set and not empty, as for aiorun's own log. */
static bool no_colour_asked(void)
{
	const char *no_colour = getenv("NO_COLOR");

	return no_colour != NULL && no_colour[0] != '\0';
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Whether a write to FD can wait for a reader: all but regular files and
 * /dev/null. */
static bool may_block(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return true;
	if (S_ISREG(st.st_mode))
		return false;
	return !(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
		 minor(st.st_rdev) == 3);
}

static bool mode_on(enum output_mode mode, bool automatic)
{
	return mode == OUTPUT_ALWAYS || (mode == OUTPUT_AUTO && automatic);
}

struct output *output_create(struct ev_loop *loop, struct pool *pool,
			     const struct output_options *options,
			     const struct worker *workers, size_t count)
{
	struct output *out = calloc(1, sizeof(*out));

	if (out == NULL) {
		log_err("cannot capture output");
		return NULL;
	}
	out->loop = loop;
	out->pool = pool;
	out->options = *options;
	out->prefix = options->prefix != OUTPUT_NEVER;
	for (int fd = 1; fd <= 2; fd++)
		out->colour[fd] = mode_on(options->colour,
					  isatty(fd) && !no_colour_asked());
	out->loop_thread = pthread_self();
	out->batch_size = BATCH_MAX;
	out->std[1].fd = 1;
	out->std[2].fd = 2;
	out->std[1].lane = &out->std[1].own_lane;
	out->std[1].may_block = may_block(1);
	out->std[2].may_block = may_block(2);
	/* One file behind both (2>&1): one lane, so that its lines keep the
	 * order they were read in, aiorun's own included. */
	out->std[2].lane =
		same_file(1, 2) ? out->std[1].lane : &out->std[2].own_lane;
	for (size_t i = 0; i < count; i++) {
		if (name_index(out, workers[i].name) < 0) {
			log_err("cannot capture output");
			output_destroy(out);
			return NULL;
		}
		if (find_log(out, &workers[i]) != NULL)
			continue;
		if (errno == ELOOP)
			log_errx("%s: a symbolic link: a log file is never "
				 "opened through one",
				 workers[i].log_file);
		else if (errno == EINVAL)
			log_errx("%s: not a regular file", workers[i].log_file);
		else
			log_err("%s", workers[i].log_file);
		output_destroy(out);
		return NULL;
	}
	return out;
}

/* Opened here, on the loop's thread, so that a bad path stops the start. */
static struct sink *open_log(const struct worker *w)
{
	struct sink *sink = calloc(1, sizeof(*sink));

	if (sink == NULL)
		return NULL;
	sink->lane = &sink->own_lane;
	sink->fd = -1;
	sink->log = logfile_open(w->log_file, w->log_max_size, w->log_keep);
	if (sink->log == NULL) {
		int saved = errno;

		free(sink);
		errno = saved;
		return NULL;
	}
	return sink;
}

void output_abandon(struct output *out)
{
	atomic_store(&out->abandoned, true);
}

size_t output_in_flight(const struct output *out)
{
	return out->in_flight;
}

/* Writing, on a pool thread ---------------------------------------------- */

/* Writes all of DATA unless the output is closed or broken, or aiorun
 * gives up on it: then the rest is lost to nobody. It waits for room with
 * poll, so that a non-blocking output loses nothing and a stalled one
 * can be given up (output_abandon). Returns 0, or the error that ended
 * the writing. */
static int write_all(struct output *out, int fd, bool may_block,
		     const char *data, size_t len)
{
	size_t done = 0;

	while (done < len && !atomic_load(&out->abandoned)) {
		struct pollfd room = {.fd = fd, .events = POLLOUT};
		ssize_t n;

		/* A file or /dev/null never keeps a write waiting: no poll,
		 * which would double the system calls of a fast output. */
		if (may_block && poll(&room, 1, 100) == 0)
			continue;
		n = write(fd, data + done, len - done);
		if (n == -1 && errno == EAGAIN && !may_block) {
			poll(&room, 1, 100);
			continue;
		}
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			return errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return 0;
}

/* Says once per episode that the lines of aiorun's standard output or
 * error are being lost, and when they are written again: a full disk
 * under a redirected output is no reason to stop, nor to be silent. */
static void tell_failing(struct sink *sink, int error)
{
	const char *name = sink->fd == 1 ? "output" : "error";

	if ((error != 0) == atomic_load(&sink->failing))
		return;
	if (error != 0)
		log_warnx("standard %s: cannot write: %s; its lines are lost "
			  "until it can be written again",
			  name, strerror(error));
	else
		log_warnx("standard %s: written again; lines were lost before",
			  name);
	atomic_store(&sink->failing, error != 0);
}

static void write_batch(struct pool_job *job)
{
	struct batch *b = (struct batch *)job;
	struct sink *sink = b->sink;
	int error;

	if (sink->log != NULL) {
		if (!atomic_load(&b->out->abandoned))
			logfile_write(sink->log, b->data, b->len);
		if (b->last)
			logfile_close(sink->log);
		return;
	}
	for (int i = 0; i <= b->writes && b->from < b->len; i++) {
		size_t end = write_end(b, i);

		if (end <= b->from)
			continue;
		if (atomic_load(&sink->broken))
			return;
		error = write_all(b->out, sink->fd, sink->may_block,
				  b->data + b->from, end - b->from);
		if (error == EPIPE)
			atomic_store(&sink->broken, true);
		else
			tell_failing(sink, error);
		b->from = end;
	}
}

/* On the loop's thread, before B goes to the pool: writes what of it can
 * be written at once, from where it was left. A pipe or socket is written
 * with RWF_NOWAIT, so that a full one is left to the pool's thread; a
 * file or /dev/null never waits. Returns true when B is all written. Any
 * trouble (a full pipe, no reader, an error) is left to the pool, whose
 * writes tell it as they always do. */
static bool write_now(struct batch *b)
{
	struct sink *sink = b->sink;

	for (int i = 0; i <= b->writes; i++) {
		size_t end = write_end(b, i);

		while (b->from < end) {
			struct iovec v = {.iov_base = b->data + b->from,
					  .iov_len = end - b->from};
			ssize_t n = sink->may_block
					    ? pwritev2(sink->fd, &v, 1, -1,
						       RWF_NOWAIT)
					    : write(sink->fd, v.iov_base,
						    v.iov_len);

			if (n > 0) {
				b->from += (size_t)n;
				continue;
			}
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && errno == EOPNOTSUPP)
				sink->no_nowait = true;
			return false;
		}
	}
	return true;
}

/* Whether SINK's next batch may be written on the loop's thread: not a
 * log file (rotated on the pool), not given up, not failing (the pool
 * tells when it recovers), and nothing of it queued before, so that its
 * lines keep their order. */
static bool may_write_now(struct output *out, struct sink *sink)
{
	return sink->log == NULL && !(sink->may_block && sink->no_nowait) &&
	       !atomic_load(&sink->broken) && !atomic_load(&sink->failing) &&
	       !atomic_load(&out->abandoned) &&
	       pool_lane_idle(out->pool, sink->lane);
}

static void set_reading(struct output *out, bool on);

/* A written batch of one of the two usual sizes is kept for the next
 * one: a fresh one from malloc costs page faults each time (and, under
 * ASan, a place in its quarantine). */
static void recycle(struct output *out, struct batch *b)
{
	for (int i = 0; i < BATCH_SIZES; i++) {
		if (b->cap != batch_sizes[i] ||
		    out->spare_count[i] == SPARE_BATCHES)
			continue;
		out->spare[i][out->spare_count[i]++] = b;
		return;
	}
	free(b);
}

/* A batch of CAP bytes, kept or new. */
static struct batch *new_batch(struct output *out, size_t cap)
{
	for (int i = 0; i < BATCH_SIZES; i++)
		if (cap == batch_sizes[i] && out->spare_count[i] > 0)
			return out->spare[i][--out->spare_count[i]];
	return malloc(sizeof(struct batch) + cap);
}

static void batch_done(struct pool_job *job)
{
	struct batch *b = (struct batch *)job;
	struct output *out = b->out;

	out->in_flight -= b->len;
	recycle(out, b);
	if (out->paused && out->in_flight < IN_FLIGHT_LOW)
		set_reading(out, true);
	for (int fd = 1; fd <= 2; fd++) {
		if (!atomic_load(&out->std[fd].broken) || out->closed_told)
			continue;
		out->closed_told = true;
		if (out->closed != NULL)
			out->closed(fd, out->closed_data);
	}
}

static void submit(struct output *out, struct sink *sink)
{
	struct batch *b = sink->open;

	if (b == NULL || (b->len == 0 && !b->last))
		return;
	sink->open = NULL;
	b->job.run = write_batch;
	b->job.done = batch_done;
	b->job.lane = sink->lane;
	/* Most batches go out at once: a handing over to a thread, and its
	 * waking, cost more than the writes. */
	if (may_write_now(out, sink) && write_now(b)) {
		recycle(out, b);
		return;
	}
	out->in_flight += b->len;
	if (pool_submit(out->pool, &b->job) == -1) {
		/* No thread: write it here rather than lose it. */
		write_batch(&b->job);
		batch_done(&b->job);
		return;
	}
	if (!out->paused && out->in_flight > IN_FLIGHT_HIGH)
		set_reading(out, false);
}

/* Room for one line of LEN bytes in SINK's open batch. The line starts a
 * new write when the current one would pass WRITE_MAX, and a new batch
 * when the batch is full. */
static char *reserve_slow(struct output *out, struct sink *sink, size_t len)
{
	struct batch *b = sink->open;
	size_t open_write;

	if (b != NULL && (b->len + len > b->cap ||
			  (b->writes == BATCH_WRITES - 1 &&
			   b->len - b->ends[b->writes - 1] + len > WRITE_MAX)))
		submit(out, sink);
	b = sink->open;
	if (b == NULL) {
		size_t cap = len > out->batch_size ? len : out->batch_size;

		if ((b = new_batch(out, cap)) == NULL)
			return NULL;
		b->out = out;
		b->sink = sink;
		b->len = 0;
		b->cap = cap;
		b->writes = 0;
		b->last = false;
		b->from = 0;
		sink->open = b;
	}
	open_write = write_begin(b, b->writes);
	if (b->len > open_write && b->len - open_write + len > WRITE_MAX)
		b->ends[b->writes++] = b->len;
	b->len += len;
	return b->data + b->len - len;
}

/* The common case first: the line fits the open write of the open
 * batch. */
static inline char *reserve(struct output *out, struct sink *sink, size_t len)
{
	struct batch *b = sink->open;

	if (b != NULL && b->len + len <= b->cap &&
	    b->len + len - write_begin(b, b->writes) <= WRITE_MAX) {
		b->len += len;
		return b->data + b->len - len;
	}
	return reserve_slow(out, sink, len);
}

/* Lines ------------------------------------------------------------------ */

/* "YYYY-MM-DD HH:MM:SS.mmm " for now into BUF; the part to the second is
 * made once a second. */
static size_t timestamp(struct output *out, char *buf, size_t size)
{
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec != out->stamp_second) {
		localtime_r(&now.tv_sec, &tm);
		strftime(out->stamp, sizeof(out->stamp), "%Y-%m-%d %H:%M:%S",
			 &tm);
		out->stamp_second = now.tv_sec;
	}
	return (size_t)snprintf(buf, size, "%s.%03ld ", out->stamp,
				now.tv_nsec / 1000000);
}

/* In JSON, where the prefix has its time, and what ends a line. */
#define JSON_TIME_AT (sizeof("{\"time\":\"") - 1)
#define JSON_TAIL "\"}\n"
#define JSON_TAIL_LEN (sizeof(JSON_TAIL) - 1)

/* {"time":"...","worker":"web","stream":"stdout","line":"..."} */
static void emit_json(struct stream *s, const char *text, size_t len)
{
	struct output *out = s->out;
	size_t escaped = json_escaped_len(text, len);
	char *dest = reserve(out, &out->std[s->dest],
			     s->prefix_len + escaped + JSON_TAIL_LEN);

	if (dest == NULL) {
		log_warn("output of %s: a line lost", s->name);
		return;
	}
	memcpy(dest, s->prefix, s->prefix_len);
	dest = json_escape(dest + s->prefix_len, text, len);
	memcpy(dest, JSON_TAIL, JSON_TAIL_LEN);

	/* The log file has the worker's lines alone, as they were. */
	if (s->log != NULL && (dest = reserve(out, s->log, len + 1)) != NULL) {
		memcpy(dest, text, len);
		dest[len] = '\n';
	}
}

/* Queues one line (LEN bytes, no newline) of stream S. */
static void emit(struct stream *s, const char *text, size_t len)
{
	struct output *out = s->out;
	char stamp[64];
	size_t stamp_len = 0;
	char *dest;

	if (out->options.json) {
		emit_json(s, text, len);
		return;
	}
	if (out->options.timestamps)
		stamp_len = timestamp(out, stamp, sizeof(stamp));
	dest = reserve(out, &out->std[s->dest],
		       stamp_len + s->prefix_len + len + 1);
	if (dest == NULL) {
		log_warn("output of %s: a line lost", s->name);
		return;
	}
	memcpy(dest, stamp, stamp_len);
	memcpy(dest + stamp_len, s->prefix, s->prefix_len);
	memcpy(dest + stamp_len + s->prefix_len, text, len);
	dest[stamp_len + s->prefix_len + len] = '\n';

	/* The log file has the worker's lines alone: no name. */
	if (s->log != NULL &&
	    (dest = reserve(out, s->log, stamp_len + len + 1)) != NULL) {
		memcpy(dest, stamp, stamp_len);
		memcpy(dest + stamp_len, text, len);
		dest[stamp_len + len] = '\n';
	}
}

/* A line the tap cannot be shown where it lies, without its newline (a
 * piece of a cut line, or a last line), shown with one. */
static void tap_piece(struct stream *s, const char *text, size_t len)
{
	char line[LINE_MAX_BYTES + 1];

	if (s->out->tap == NULL || len > LINE_MAX_BYTES)
		return;
	memcpy(line, text, len);
	line[len] = '\n';
	s->out->tap(s->name, line, len + 1, s->out->tap_data);
}

static void emit_line(const char *text, size_t len, void *s)
{
	emit(s, text, len);
	tap_piece(s, text, len);
}

static void close_stream(struct stream *s)
{
	struct stream **link = &s->out->streams;

	lines_flush(&s->pending, emit_line, s);
	ev_io_stop(s->out->loop, &s->watcher);
	close(s->watcher.fd);
	while (*link != s)
		link = &(*link)->next;
	*link = s->next;
	lines_finish(&s->pending);
	free(s->prefix);
	free(s->name);
	free(s);
}

/* Queues the lines of S from FROM in its buffer that end in their
 * newline and need no cutting, nor in JSON any escape, each after the
 * prefix: the lines of a plain stream (no time stamps, no log file), in
 * one tight loop. Returns where it stopped: at the end of the whole
 * lines, or at a line that needs more. */
static size_t emit_plain(struct stream *s, size_t from)
{
	struct sink *sink = &s->out->std[s->dest];
	const char *p = s->pending.data + from;
	const char *end = s->pending.data + s->pending.len;
	bool json = s->out->options.json;

	while (p < end) {
		const char *nl;
		size_t n;
		char *dest;

		/* In JSON, the bytes that need no escape end at the newline
		 * of a plain line: one pass finds both. */
		if (json) {
			nl = p + json_plain_len(p, (size_t)(end - p));
			if (nl == end || *nl != '\n')
				break;
		} else if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL) {
			break;
		}
		n = (size_t)(nl - p);
		if (n > LINE_MAX_BYTES)
			break;
		dest = reserve(s->out, sink,
			       s->prefix_len + n + (json ? JSON_TAIL_LEN : 1));
		if (dest == NULL)
			break;
		memcpy(dest, s->prefix, s->prefix_len);
		dest += s->prefix_len;
		memcpy(dest, p, n);
		if (json)
			memcpy(dest + n, JSON_TAIL, JSON_TAIL_LEN);
		else
			dest[n] = '\n';
		p = nl + 1;
	}
	return (size_t)(p - s->pending.data);
}

/* The lines held for the tap: the stream's bytes from START to END, each
 * line ending in its newline. */
struct run {
	size_t start, end;
};

/* Shows the tap what R holds; R starts again, empty, at AT. */
static void run_flush(struct stream *s, struct run *r, size_t at)
{
	struct output *out = s->out;

	if (out->tap != NULL && r->end > r->start)
		out->tap(s->name, s->pending.data + r->start, r->end - r->start,
			 out->tap_data);
	r->start = r->end = at;
}

/* Adds the newline-ended lines from FROM to TO to R, after what R holds
 * unless they do not follow it. */
static void run_add(struct stream *s, struct run *r, size_t from, size_t to)
{
	if (from != r->end)
		run_flush(s, r, from);
	r->end = to;
}

/* Queues the whole lines read so far, and shows them to the tap, each
 * run of lines that end in their newline at once. */
static void cut_lines(struct stream *s)
{
	struct line_buffer *b = &s->pending;
	struct run held = {0, 0};
	size_t pos = 0, len;
	const char *text;

	for (;;) {
		size_t at;

		/* Not lines_cut: a call through a pointer for each line costs
		 * more than the rest of the line's handling. */
		if (s->plain && !(pos == 0 && b->cut)) {
			size_t end = emit_plain(s, pos);

			if (end > pos)
				run_add(s, &held, pos, end);
			pos = end;
		}
		if (!lines_next(b, &pos, &text, &len))
			break;
		at = (size_t)(text - b->data);
		emit(s, text, len);
		if (pos == at + len + 1) {
			run_add(s, &held, at, pos);
		} else {
			run_flush(s, &held, pos);
			tap_piece(s, text, len);
		}
	}
	run_flush(s, &held, pos);
	lines_consume(b, pos);
}

/* One read. Returns the byte count, 0 at the end, -1 when nothing is to
 * be had now. */
static ssize_t read_some(struct stream *s)
{
	char *room = lines_room(&s->pending, READ_SIZE);
	ssize_t n;

	if (room == NULL)
		return -1;
	do
		n = read(s->watcher.fd, room, READ_SIZE);
	while (n == -1 && errno == EINTR);
	/* A terminal's master reads EIO once no process holds the slave:
	 * the end of the stream, after everything written to it. */
	if (n == -1 && errno == EIO && s->tty)
		n = 0;
	if (n > 0) {
		/* Batches about as large as this read's lines: a terminal
		 * gives a few KiB a read, and a 256 KiB batch for each would
		 * hold far more memory than the bytes in flight that
		 * back-pressure counts. */
		for (int i = 0; i < BATCH_SIZES; i++) {
			s->out->batch_size = batch_sizes[i];
			if (2 * (size_t)n + 4096 <= batch_sizes[i])
				break;
		}
		/* The lines of one read arrived together: one clock reading. */
		if (s->out->options.json)
			json_time(&s->out->clock, s->prefix + JSON_TIME_AT);
		s->pending.len += (size_t)n;
		cut_lines(s);
	}
	return n;
}

static void readable_cb(struct ev_loop *loop, struct ev_io *w, int revents)
{
	struct stream *s = w->data;
	struct output *out = s->out;
	int dest = s->dest;

	struct sink *log = s->log;

	(void)loop;
	(void)revents;
	if (read_some(s) == 0)
		close_stream(s);
	submit(out, &out->std[dest]);
	if (log != NULL)
		submit(out, log);
}

static void set_reading(struct output *out, bool on)
{
	out->paused = !on;
	for (struct stream *s = out->streams; s != NULL; s = s->next) {
		if (on)
			ev_io_start(out->loop, &s->watcher);
		else
			ev_io_stop(out->loop, &s->watcher);
	}
}

/* The read end of a new pipe, or of a new terminal, in FDS[0]; its
 * other end in FDS[1]. */
static int open_ends(bool tty, int fds[2])
{
	if (tty)
		return pty_open(&fds[0], &fds[1]);
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	/* A larger pipe lets a fast writer run longer between wake-ups of
	 * aiorun; what the kernel refuses (pipe-max-size) is no matter. */
	fcntl(fds[0], F_SETPIPE_SZ, PIPE_SIZE);
	return 0;
}

/* What goes before each line of the worker NAME on DEST (1 or 2), whose
 * colour is INDEX's. The padding is the longest name's so far: a reload
 * that brings a longer one widens the prefixes of the streams opened
 * from then on. Returns NULL when out of memory. */
static char *make_prefix(struct output *out, const char *name, int dest,
			 int index)
{
	char *prefix;
	int n;

	if (out->options.json) {
		n = asprintf(&prefix,
			     "{\"time\":\"%*s\",\"worker\":\"%s\","
			     "\"stream\":\"%s\",\"line\":\"",
			     JSON_TIME_LEN, "", name,
			     dest == 1 ? "stdout" : "stderr");
		if (n != -1)
			json_time(&out->clock, prefix + JSON_TIME_AT);
	} else if (out->prefix && out->colour[dest]) {
		n = asprintf(&prefix, "%s%-*s |\033[0m ",
			     colours[index % COLOUR_COUNT], out->width, name);
	} else if (out->prefix) {
		n = asprintf(&prefix, "%-*s | ", out->width, name);
	} else {
		n = (prefix = strdup("")) != NULL ? 0 : -1;
	}
	return n != -1 ? prefix : NULL;
}

static int open_stream(struct output *out, const struct worker *w, int dest,
		       bool tty, int *write_end)
{
	struct stream *s = calloc(1, sizeof(*s));
	struct sink *log = find_log(out, w);
	int index = name_index(out, w->name);
	int fds[2];

	if (s == NULL || log == NULL || index < 0) {
		free(s);
		return -1;
	}
	if (open_ends(tty, fds) == -1) {
		free(s);
		return -1;
	}
	*s = (struct stream){.out = out, .dest = dest, .tty = tty};
	s->log = log->log != NULL ? log : NULL;
	s->plain = !out->options.timestamps && s->log == NULL;
	s->name = strdup(w->name);
	s->prefix = make_prefix(out, w->name, dest, index);
	if (s->prefix == NULL || s->name == NULL) {
		free(s->prefix);
		free(s->name);
		close(fds[0]);
		close(fds[1]);
		free(s);
		return -1;
	}
	s->prefix_len = strlen(s->prefix);
	ev_io_init(&s->watcher, readable_cb, fds[0], EV_READ);
	s->watcher.data = s;
	if (!out->paused)
		ev_io_start(out->loop, &s->watcher);
	s->next = out->streams;
	out->streams = s;
	*write_end = fds[1];
	return 0;
}

int output_attach(struct output *out, const struct worker *w, int fds[2])
{
	if (w->tty) {
		fds[1] = -1;
		return open_stream(out, w, 1, true, &fds[0]);
	}
	if (open_stream(out, w, 1, false, &fds[0]) == -1)
		return -1;
	if (open_stream(out, w, 2, false, &fds[1]) == -1) {
		close(fds[0]);
		return -1;
	}
	return 0;
}

void output_resize(struct output *out)
{
	for (struct stream *s = out->streams; s != NULL; s = s->next)
		if (s->tty)
			pty_follow_size(s->watcher.fd);
}

void output_on_closed(struct output *out, void (*closed)(int fd, void *data),
		      void *data)
{
	out->closed = closed;
	out->closed_data = data;
}

void output_on_lines(struct output *out, output_lines_fn *lines, void *data)
{
	out->tap = lines;
	out->tap_data = data;
}

int output_log(const char *line, size_t len, void *data)
{
	struct output *out = data;
	char *dest;

	/* A pool thread's line, or one after the rest was given up, is
	 * written directly. */
	if (!pthread_equal(pthread_self(), out->loop_thread) ||
	    atomic_load(&out->abandoned))
		return -1;
	/* So is one that nothing read before it waits for: the lane has
	 * written all it was given. Such a line is out when aiorun moves
	 * on, as a direct write is. */
	submit(out, &out->std[1]);
	submit(out, &out->std[2]);
	if (pool_lane_idle(out->pool, out->std[2].lane))
		return -1;
	if ((dest = reserve(out, &out->std[2], len)) == NULL)
		return -1;
	memcpy(dest, line, len);
	submit(out, &out->std[2]);
	return 0;
}

void output_collect(struct output *out, const struct worker *w)
{
	struct stream *s = out->streams, *next;

	for (; s != NULL; s = next) {
		ssize_t n;

		struct sink *log = s->log;

		next = s->next;
		if (strcmp(s->name, w->name) != 0)
			continue;
		while ((n = read_some(s)) > 0)
			;
		if (n == 0)
			close_stream(s);
		if (log != NULL)
			submit(out, log);
	}
	submit(out, &out->std[1]);
	submit(out, &out->std[2]);
}

void output_drain(struct output *out)
{
	while (out->streams != NULL) {
		struct stream *s = out->streams;
		ssize_t n;

		/* A writer may still hold the pipe (a process outside
		 * aiorun's tree): what it has written is taken, then the
		 * stream ends here. */
		while ((n = read_some(s)) > 0)
			;
		close_stream(s);
	}
	submit(out, &out->std[1]);
	submit(out, &out->std[2]);
	/* Each log file's last job syncs and closes it. */
	for (size_t i = 0; i < out->log_count; i++) {
		struct sink *log = out->logs[i].sink;

		if (log == NULL || reserve(out, log, 0) == NULL)
			continue;
		log->open->last = true;
		submit(out, log);
	}
}

void output_destroy(struct output *out)
{
	if (out == NULL)
		return;
	while (out->streams != NULL)
		close_stream(out->streams);
	for (int fd = 1; fd <= 2; fd++)
		free(out->std[fd].open);
	for (int i = 0; i < BATCH_SIZES; i++)
		while (out->spare_count[i] > 0)
			free(out->spare[i][--out->spare_count[i]]);
	for (size_t i = 0; i < out->log_count; i++) {
		free(out->logs[i].sink->open);
		logfile_destroy(out->logs[i].sink->log);
		free(out->logs[i].sink);
		free(out->logs[i].name);
		free(out->logs[i].path);
	}
	free(out->logs);
	for (size_t i = 0; i < out->name_count; i++)
		free(out->names[i]);
	free(out->names);
	free(out);
}
