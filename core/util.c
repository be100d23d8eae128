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

bool string_is_printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
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
	_cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", path);
	_cleanup_free_ char *dir = dir_of(path);
	const char *p = data;
	int fd, dfd, e;

	/* mkostemp() opens with O_CREAT|O_EXCL: nothing planted under the name is followed. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return hvc_error_set(err, -errno, "%s: cannot create a temporary file in %s: %s",
			path, dir, strerror(errno));
	if (fchmod(fd, (mode_t)mode) < 0) {
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
	if (!owner_ok(st.st_uid))
		return hvc_error_set(err, -EPERM,
			"%s: owned by uid %u, not root or uid %u: refusing", path,
			(unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 022)
		return hvc_error_set(err, -EPERM, "%s: writable by %s: refusing (chmod go-w)", path,
			st.st_mode & 002 ? "others" : "group");
	return 0;
}

int hvc_check_trusted(const char *path, int fd, bool want_dir, struct hvc_error *err)
{
	const char *insecure = getenv("HVCLOCK_TEST_INSECURE_FILES");
	_cleanup_free_ char *real = NULL;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return hvc_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (want_dir && !S_ISDIR(st.st_mode))
		return hvc_error_set(err, -EINVAL, "%s: not a directory: refusing", path);
	if (!want_dir && !S_ISREG(st.st_mode))
		return hvc_error_set(err, -EINVAL, "%s: not a regular file: refusing", path);
	if (insecure && streq(insecure, "1"))
		return 0;
	if (!owner_ok(st.st_uid))
		return hvc_error_set(err, -EPERM,
			"%s: owned by uid %u, not root or uid %u: refusing", path,
			(unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 022)
		return hvc_error_set(err, -EPERM, "%s: writable by %s: refusing (chmod go-w)", path,
			st.st_mode & 002 ? "others" : "group");

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
