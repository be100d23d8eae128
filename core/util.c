/* util.c: allocation, string vectors and small string helpers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"

static _noreturn_ void oom(void)
{
	fputs("hvclock: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t n, size_t size)
{
	size_t total;

	if (size && n > SIZE_MAX / size)
		oom();
	total = n * size;
	p = realloc(p, total > 0 ? total : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *r = strdup(s);
	if (!r)
		oom();
	return r;
}

char *xstrndup(const char *s, size_t n)
{
	char *r = strndup(s, n);
	if (!r)
		oom();
	return r;
}

char *xstrdup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *r;
	if (vasprintf(&r, fmt, ap) < 0)
		oom();
	return r;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *r;

	va_start(ap, fmt);
	r = xvasprintf(fmt, ap);
	va_end(ap);
	return r;
}

void free_and_strdup(char **dst, const char *src)
{
	char *n = xstrdup_or_null(src);
	free(*dst);
	*dst = n;
}

size_t strv_length(char *const *l)
{
	size_t n = 0;
	while (l && l[n])
		n++;
	return n;
}

void strv_free(char **l)
{
	if (!l)
		return;
	for (char **s = l; *s; s++)
		free(*s);
	free(l);
}

void strv_consume(char ***l, char *s)
{
	size_t n = strv_length(*l);
	*l = xrealloc(*l, n + 2, sizeof(char *));
	(*l)[n] = s;
	(*l)[n + 1] = NULL;
}

void strv_push(char ***l, const char *s)
{
	strv_consume(l, xstrdup(s));
}

bool strv_contains(char *const *l, const char *s)
{
	STRV_FOREACH (i, l)
		if (streq(*i, s))
			return true;
	return false;
}

char **strv_copy(char *const *l)
{
	char **r = xcalloc(strv_length(l) + 1, sizeof(char *));
	size_t n = 0;
	STRV_FOREACH (i, l)
		r[n++] = xstrdup(*i);
	return r;
}

char **strv_split(const char *s, const char *sep)
{
	char **r = xcalloc(1, sizeof(char *));
	const char *p = s;

	while (p && *p) {
		size_t skip = strspn(p, sep);
		p += skip;
		if (!*p)
			break;
		size_t len = strcspn(p, sep);
		strv_consume(&r, xstrndup(p, len));
		p += len;
	}
	return r;
}

char *strv_join(char *const *l, const char *sep)
{
	size_t len = 1, seplen = strlen(sep);
	STRV_FOREACH (i, l)
		len += strlen(*i) + seplen;
	char *r = xmalloc(len), *p = r;
	*p = '\0';
	STRV_FOREACH (i, l) {
		if (i != l) {
			memcpy(p, sep, seplen);
			p += seplen;
		}
		size_t n = strlen(*i);
		memcpy(p, *i, n);
		p += n;
	}
	*p = '\0';
	return r;
}

char *strstrip(char *s)
{
	char *e;
	while (isspace((unsigned char)*s))
		memmove(s, s + 1, strlen(s));
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * Length of the well-formed UTF-8 sequence at p (at most n bytes), its code point in *cp;
 * 0 if the byte at p does not start one (overlong forms, surrogates and code points past
 * U+10FFFF are not well-formed, as in RFC 3629).
 */
static size_t utf8_char(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c;

	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
		(c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static bool is_control(uint32_t c, unsigned flags)
{
	if (!(flags & HVC_ESCAPE_CONTROLS))
		return false;
	if (c == '\n' && (flags & HVC_ESCAPE_KEEP_NEWLINE))
		return false;
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

char *hvc_escape(const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	/* Worst case: every byte becomes "\xNN" (a C1 code point: 2 bytes -> 6). */
	char *r = xmalloc(len * 4 + 1), *o = r;
	size_t i = 0, k;
	uint32_t c;

	while (i < len) {
		/* Printable ASCII, most of every report: as is, without decoding. */
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			*o++ = (char)p[i++];
			continue;
		}
		k = utf8_char(p + i, len - i, &c);
		if (k == 0) {
			o += sprintf(o, "\\x%02x", p[i]);
			i++;
		} else if (is_control(c, flags)) {
			o += sprintf(o, c < 0x80 ? "\\x%02x" : "\\u%04x", (unsigned)c);
			i += k;
		} else {
			memcpy(o, p + i, k);
			o += k;
			i += k;
		}
	}
	*o = '\0';
	return r;
}

char *hvc_escape_terminal(const char *s)
{
	return s ? hvc_escape(s, strlen(s), HVC_ESCAPE_CONTROLS) : xstrdup("");
}

char *hvc_utf8_sanitize(const char *s)
{
	return s ? hvc_escape(s, strlen(s), 0) : NULL;
}

bool string_is_printable(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), k;
	uint32_t c;

	for (size_t i = 0; i < n; i += k) {
		k = utf8_char(p + i, n - i, &c);
		if (k == 0 || is_control(c, HVC_ESCAPE_CONTROLS))
			return false;
	}
	return true;
}

char *now_iso8601(void)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

const char *hvc_state_dir(void)
{
	const char *d = getenv("HVCLOCK_STATE_DIR");
	return d && *d ? d : "/var/lib/hvclock";
}

void hvc_obuf_append(struct hvc_obuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap, 1);
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

char *hvc_obuf_take(struct hvc_obuf *b, size_t *ret_len)
{
	if (!b->data)
		hvc_obuf_append(b, "", 0);
	*ret_len = b->len;
	b->cap = b->len = 0;
	return TAKE_PTR(b->data);
}

int64_t hvc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int hvc_left_ms(int64_t deadline)
{
	int64_t d = deadline - hvc_now_ms();

	if (d < 0)
		return 0;
	return d > INT_MAX ? INT_MAX : (int)d;
}

/* --- files hvclock trusts or writes --- */

static char *dir_of(const char *path)
{
	_cleanup_free_ char *copy = xstrdup(path);
	return xstrdup(dirname(copy));
}

int hvc_write_file_atomic(
	const char *path, const void *data, size_t len, unsigned mode, struct hvc_error *err)
{
	return hvc_write_file_atomic_like(path, data, len, mode, NULL, err);
}

int hvc_write_file_atomic_like(const char *path, const void *data, size_t len, unsigned mode,
	const struct stat *like, struct hvc_error *err)
{
	_cleanup_free_ char *dir = dir_of(path), *copy = xstrdup(path), *tmp = NULL;
	const char *p = data;
	int fd, dfd, e;

	/* Dot-named, so globs (*.cfg, *.profile, xendomains' auto/) never pick it up. */
	tmp = xasprintf("%s/.%s.hvclock-XXXXXX", dir, basename(copy));
	/* mkostemp() opens with O_CREAT|O_EXCL; O_NOFOLLOW as well: nothing planted is followed. */
	fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return hvc_error_set(err, -errno, "%s: cannot create a temporary file in %s: %s",
			path, dir, strerror(errno));
	if (fchmod(fd, like ? like->st_mode & 07777 : (mode_t)mode) < 0 ||
		(like && fchown(fd, like->st_uid, like->st_gid) < 0)) {
		e = errno;
		goto fail;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) < 0) {
		e = errno;
		goto fail;
	}
	if (close(fd) < 0) {
		e = errno;
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		e = errno;
		goto fail;
	}
	/* The rename itself is durable only once the directory is. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		e = errno;
		if (dfd >= 0)
			close(dfd);
		return hvc_error_set(
			err, -e, "%s: cannot sync directory %s: %s", path, dir, strerror(e));
	}
	close(dfd);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return hvc_error_set(err, -e, "%s: cannot write: %s", path, strerror(e));
}

static bool owner_ok(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Owned by root or us, not writable by group or others. */
static int check_owner_mode(const char *path, const struct stat *st, struct hvc_error *err)
{
	if (!owner_ok(st->st_uid))
		return hvc_error_set(err, -EPERM,
			"%s: owned by uid %u, not root or uid %u: refusing", path,
			(unsigned)st->st_uid, (unsigned)geteuid());
	if (st->st_mode & 022)
		return hvc_error_set(err, -EPERM, "%s: writable by %s: refusing (chmod go-w)", path,
			st->st_mode & 002 ? "others" : "group");
	return 0;
}

int hvc_mkdir_private(const char *path, struct hvc_error *err)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return hvc_error_set(
			err, -errno, "%s: cannot create directory: %s", path, strerror(errno));
	if (lstat(path, &st) < 0)
		return hvc_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return hvc_error_set(err, -ELOOP, "%s: is a symlink: refusing", path);
	if (!S_ISDIR(st.st_mode))
		return hvc_error_set(err, -ENOTDIR, "%s: not a directory: refusing", path);
	return check_owner_mode(path, &st, err);
}

int hvc_check_trusted(const char *path, int fd, bool want_dir, struct hvc_error *err)
{
	const char *insecure = getenv("HVCLOCK_TEST_INSECURE_FILES");
	_cleanup_free_ char *real = NULL;
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return hvc_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (want_dir && !S_ISDIR(st.st_mode))
		return hvc_error_set(err, -EINVAL, "%s: not a directory: refusing", path);
	if (!want_dir && !S_ISREG(st.st_mode))
		return hvc_error_set(err, -EINVAL, "%s: not a regular file: refusing", path);
	if (insecure && streq(insecure, "1"))
		return 0;
	r = check_owner_mode(path, &st, err);
	if (r < 0)
		return r;

	/* Every directory above it, as OpenSSH's secure_path() does. */
	real = realpath(path, NULL);
	if (!real)
		return hvc_error_set(err, -errno, "%s: %s", path, strerror(errno));
	for (;;) {
		char *slash = strrchr(real, '/');

		if (!slash || slash == real) {
			if (!slash || !real[1])
				break;
			real[1] = '\0'; /* up to / */
		} else {
			*slash = '\0';
		}
		if (stat(real, &st) < 0)
			return hvc_error_set(
				err, -errno, "%s: directory %s: %s", path, real, strerror(errno));
		if (!owner_ok(st.st_uid))
			return hvc_error_set(err, -EPERM,
				"%s: directory %s is owned by uid %u, not root or uid %u: refusing",
				path, real, (unsigned)st.st_uid, (unsigned)geteuid());
		/* A root-owned sticky directory (/tmp): others cannot replace what is ours. */
		if ((st.st_mode & 022) && !(st.st_uid == 0 && (st.st_mode & S_ISVTX)))
			return hvc_error_set(err, -EPERM,
				"%s: directory %s is writable by %s: refusing (chmod go-w %s)",
				path, real, st.st_mode & 002 ? "others" : "group", real);
		if (streq(real, "/"))
			break;
	}
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int hvc_natural_cmp(const char *a, const char *b)
{
	const char *x = a ? a : "", *y = b ? b : "";

	while (*x && *y) {
		if (is_digit(*x) && is_digit(*y)) {
			const char *xs, *ys;
			size_t xn = 0, yn = 0;

			while (*x == '0')
				x++;
			while (*y == '0')
				y++;
			xs = x;
			ys = y;
			while (is_digit(xs[xn]))
				xn++;
			while (is_digit(ys[yn]))
				yn++;
			/* More significant digits: the larger number; as many: the first difference. */
			if (xn != yn)
				return xn < yn ? -1 : 1;
			for (size_t i = 0; i < xn; i++)
				if (xs[i] != ys[i])
					return xs[i] < ys[i] ? -1 : 1;
			x += xn;
			y += yn;
			continue;
		}
		if (*x != *y)
			return (unsigned char)*x < (unsigned char)*y ? -1 : 1;
		x++;
		y++;
	}
	if (*x || *y)
		return *x ? 1 : -1;
	/* Equal as numbers (leading zeros): byte order decides, so no two names tie. */
	return strcmp(a ? a : "", b ? b : "");
}
