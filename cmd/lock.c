/* lock.c: one hvclock run that changes things at a time (/run/hvclock/lock). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/run.h"

#define DEFAULT_LOCK_FILE "/run/hvclock/lock"

/*
 * The lock lives in a directory only the effective user may enter (0700, its own), as a 0600
 * file it owns: nobody else can open it, so nobody else can flock it and block rollouts.
 */
static int open_lock_dir(const char *dir)
{
	struct hvc_error err = { 0 };
	struct stat st;
	int dfd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		hvc_log_error("cannot create lock directory %s: %s", dir, strerror(errno));
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		hvc_log_error("cannot open lock directory %s: %s", dir,
			errno == ELOOP ? "it is a symlink" : strerror(errno));
		return -1;
	}
	if (fstat(dfd, &st) < 0 || st.st_uid != geteuid()) {
		hvc_log_error("lock directory %s: owned by uid %u, not uid %u: refusing", dir,
			(unsigned)st.st_uid, (unsigned)geteuid());
		goto fail;
	}
	if (st.st_mode & 077) {
		hvc_log_error("lock directory %s: open to group or others (mode %04o): refusing "
			      "(chmod 700 %s)",
			dir, (unsigned)(st.st_mode & 07777), dir);
		goto fail;
	}
	/* The directories above it must not let anyone else swap it. */
	if (hvc_check_trusted(dir, dfd, true, &err) < 0) {
		hvc_log_error("lock: %s", err.msg);
		goto fail;
	}
	return dfd;
fail:
	close(dfd);
	return -1;
}

int hvc_lock_take(int *ret_fd)
{
	const char *path = getenv("HVCLOCK_LOCK_FILE"), *base;
	_cleanup_free_ char *dir = NULL;
	char buf[32] = "";
	struct stat st;
	int dfd, fd;

	if (!path || !*path)
		path = DEFAULT_LOCK_FILE;
	base = strrchr(path, '/');
	dir = !base ? xstrdup(".") : base == path ? xstrdup("/") : xstrndup(path, base - path);
	base = base ? base + 1 : path;
	if (!*base || streq(base, ".") || streq(base, "..")) {
		hvc_log_error("lock file %s: not a file name", path);
		return -1;
	}
	dfd = open_lock_dir(dir);
	if (dfd < 0)
		return -1;
	fd = openat(dfd, base, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	close(dfd);
	if (fd < 0) {
		hvc_log_error("cannot open lock file %s: %s", path,
			errno == ELOOP ? "it is a symlink" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
		(st.st_mode & 077)) {
		hvc_log_error("lock file %s: %s: refusing", path,
			!S_ISREG(st.st_mode)             ? "not a regular file"
				: st.st_uid != geteuid() ? "owned by another user"
							 : "open to group or others (chmod 600)");
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		strstrip(buf);
		if (errno == EWOULDBLOCK || errno == EAGAIN || n >= 0)
			hvc_log_error("another hvclock run (pid %s) is changing guests (lock %s); "
				      "wait for it to finish",
				*buf ? buf : "unknown", path);
		close(fd);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, strlen(buf), 0) < 0) {
		hvc_log_error("cannot write lock file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	*ret_fd = fd;
	return 0;
}
