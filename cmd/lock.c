/* lock.c: one hvclock run that changes things at a time (/run/hvclock/lock). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
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

/* The PID the holder wrote into the lock file, or "" (buf of size n). */
static void read_holder(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	strstrip(buf);
}

/*
 * flock() the file, waiting up to wait_s seconds while another process holds it (checked
 * every LOCK_POLL_MS: flock has no timeout of its own). 0, or -1 with errno.
 */
#define LOCK_POLL_MS 200
static int lock_wait(int fd, const char *path, int wait_s)
{
	int64_t until = hvc_now_ms() + 1000LL * wait_s;
	bool said = false;
	char buf[32];

	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if ((errno != EWOULDBLOCK && errno != EAGAIN) || hvc_now_ms() >= until)
			return -1;
		if (!said) {
			read_holder(fd, buf, sizeof(buf));
			hvc_log_error("waiting up to %d s for another hvclock run (pid %s) to "
				      "finish (lock %s)",
				wait_s, *buf ? buf : "unknown", path);
			said = true;
		}
		struct timespec ts = { 0, LOCK_POLL_MS * 1000000L };
		nanosleep(&ts, NULL);
	}
	return 0;
}

int hvc_lock_take(int *ret_fd, int wait_s)
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
	if (lock_wait(fd, path, wait_s) < 0) {
		if (errno == EWOULDBLOCK || errno == EAGAIN) {
			read_holder(fd, buf, sizeof(buf));
			hvc_log_error("another hvclock run (pid %s) is changing guests (lock %s); "
				      "%s",
				*buf ? buf : "unknown", path,
				wait_s ? "it did not finish within --wait-lock"
				       : "wait for it to finish (or use --wait-lock SECONDS)");
		} else
			hvc_log_error("cannot lock %s: %s", path, strerror(errno));
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
