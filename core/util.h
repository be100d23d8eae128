/* util.h: small helpers shared by every module: cleanup attributes, allocation, string vectors. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _cleanup_(f) __attribute__((cleanup(f)))
#define _noreturn_ __attribute__((noreturn))
#define _unused_ __attribute__((unused))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Hand ownership out of a _cleanup_ variable. */
#define TAKE_PTR(p)                        \
	({                                 \
		__typeof__(p) _tmp_ = (p); \
		(p) = NULL;                \
		_tmp_;                     \
	})

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool str_endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static inline const char *strna(const char *s)
{
	return s ? s : "n/a";
}

/*
 * Allocation that cannot fail: out of memory aborts with a message (tmux's
 * xmalloc). hvclock has no sensible way to continue a fleet run without memory.
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* xstrdup() that passes NULL through. */
char *xstrdup_or_null(const char *s);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
char *xvasprintf(const char *fmt, va_list ap) _printf_(1, 0);

/* Replace *dst with a copy of src (NULL allowed); frees the old value. */
void free_and_strdup(char **dst, const char *src);

/*
 * String vectors: NULL-terminated arrays of malloc'd strings (systemd's strv).
 * Every function accepts NULL as the empty vector.
 */
typedef char **strv_t;
size_t strv_length(char *const *l);
void strv_free(char **l);
static inline void strv_freep(char ***l)
{
	strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)
/* Append a copy of s. */
void strv_push(char ***l, const char *s);
/* Append s itself, taking ownership. */
void strv_consume(char ***l, char *s);
bool strv_contains(char *const *l, const char *s);
char **strv_copy(char *const *l);
/* Split on any character of sep, dropping empty fields. */
char **strv_split(const char *s, const char *sep);
/* Join with sep; returns "" for an empty vector. */
char *strv_join(char *const *l, const char *sep);

/* Monotonic clock in milliseconds, and what is left until deadline (0 if past, at most INT_MAX). */
int64_t hvc_now_ms(void);
int hvc_left_ms(int64_t deadline);

/* A growing byte buffer (output read from a guest); NUL-terminated once appended to. */
struct hvc_obuf {
	char *data;
	size_t len, cap;
};
void hvc_obuf_append(struct hvc_obuf *b, const char *p, size_t n);
/* The bytes ("" if none) and their length; the buffer is empty afterwards. Caller frees. */
char *hvc_obuf_take(struct hvc_obuf *b, size_t *ret_len);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)

/* Strip leading and trailing whitespace in place; returns s. */
char *strstrip(char *s);

/*
 * Text from guests and the network (domain names, SSH messages, a guest's stderr, report
 * fields) is shown only through this one escape. Valid UTF-8 is kept, except:
 * invalid UTF-8 bytes always become the text \xNN (so the result is valid UTF-8); with
 * HVC_ESCAPE_CONTROLS also C0 controls (tab and newline too), DEL as \xNN and the C1 code
 * points U+0080-U+009F as \u00NN; HVC_ESCAPE_KEEP_NEWLINE keeps '\n' (for whole reports).
 * Backslashes are kept, so escaping escaped text changes nothing.
 */
enum {
	HVC_ESCAPE_CONTROLS = 1 << 0,
	HVC_ESCAPE_KEEP_NEWLINE = 1 << 1,
};
char *hvc_escape(const char *s, size_t len, unsigned flags);

/*
 * Natural order of names, for reports: runs of ASCII digits compare as numbers
 * (guest2 before guest10, leading zeros ignored), everything else byte by
 * byte; names equal that way (guest01, guest1) fall back to strcmp(), so the
 * order is total. NULL sorts as "". The one comparator for guest names.
 */
int hvc_natural_cmp(const char *a, const char *b);
/* For a terminal: hvc_escape(s, strlen(s), HVC_ESCAPE_CONTROLS); NULL gives "". Caller frees. */
char *hvc_escape_terminal(const char *s);
/* For JSON: valid UTF-8, invalid bytes as \xNN (json-c escapes controls); NULL gives NULL. */
char *hvc_utf8_sanitize(const char *s);

/* True if s is valid UTF-8 without control characters (C0, DEL, C1): hvc_escape_terminal(s) == s. */
bool string_is_printable(const char *s);

/* hvclock's state directory on the host: $HVCLOCK_STATE_DIR, else /var/lib/hvclock. */
const char *hvc_state_dir(void);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ". */
char *now_iso8601(void);

/* --- files hvclock trusts or writes (issue 9, item 5) --- */

struct hvc_error;

/*
 * Replace the file at path with len bytes of data, all or nothing: the bytes go to a new
 * temporary file in path's own directory ("DIR/.NAME.hvclock-XXXXXX", dot-named so no glob
 * matches it, made by mkostemp() with O_NOFOLLOW, i.e. opened O_CREAT|O_EXCL|O_NOFOLLOW: a file
 * or symlink planted under any name is never opened or followed),
 * which gets mode (fchmod, before any byte is written), is written, fsync'd, renamed over
 * path, and then the directory is fsync'd. A symlink at path itself is replaced, never
 * written through. On failure the temporary file is removed, path is untouched and err (may be
 * NULL) says "PATH: cannot <step>: <cause>". The directory must exist; the caller decides
 * whether it is trusted. Returns 0 or a negative errno.
 */
int hvc_write_file_atomic(
	const char *path, const void *data, size_t len, unsigned mode, struct hvc_error *err);
/*
 * The same, but the new file gets like's mode (its permission bits) and owner instead of mode
 * (failing if fchown() does): for replacing a file someone else made (xl.cfg, known_hosts).
 * like == NULL is hvc_write_file_atomic(). This is the one atomic write: use no other.
 */
struct stat;
int hvc_write_file_atomic_like(const char *path, const void *data, size_t len, unsigned mode,
	const struct stat *like, struct hvc_error *err);

/*
 * A directory only hvclock's user may use: created 0700 if missing (its parent must exist).
 * An existing one must be a real directory (not a symlink), owned by root or the effective
 * user, and not writable by group or others; else -ENOTDIR/-ELOOP/-EPERM and err says why
 * ("PATH: is a symlink: refusing"). Returns 0 or a negative errno.
 */
int hvc_mkdir_private(const char *path, struct hvc_error *err);

/*
 * OpenSSH's StrictModes for what hvclock reads as trusted input (hvclock.conf, profile
 * directories and profiles). fd is path, already opened (a file or a directory, whichever
 * want_dir says); fstat(fd) is what is checked, so the check is about the object that will be
 * read. It must be owned by root or the effective user and not writable by group or others,
 * and so must every directory above it (path resolved with realpath(), up to /), except that a
 * root-owned directory with the sticky bit (like /tmp) is fine. Refusals are -EPERM (-EINVAL
 * for the wrong file type) with one line naming the path and the cause, e.g.
 * "/etc/hvclock/hvclock.conf: writable by group: refusing (chmod go-w)".
 * $HVCLOCK_TEST_INSECURE_FILES=1 (hvclock's own test suite only) skips the owner and mode
 * checks, never the type check.
 */
int hvc_check_trusted(const char *path, int fd, bool want_dir, struct hvc_error *err);
