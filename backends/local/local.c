/* local.c: the local transport: "/bin/sh -c COMMAND" on this host, bounded, in its own group. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/local/local.h"

/*
 * The parent is multi-threaded: between fork() and execve() the child calls
 * only async-signal-safe functions on data prepared before fork() (no
 * malloc, no stdio, no getenv). All signals are blocked across fork() so no
 * handler of hvclock's runs in the child; the child resets every disposition
 * and only then unblocks. Every pipe is O_CLOEXEC, so a child another thread
 * forks at the same moment drops our ends at its own exec at the latest.
 *
 * A failure in the child before exec (chroot, execve...) travels back over a
 * fourth O_CLOEXEC pipe: EOF on it means execve succeeded.
 *
 * The shell's exit is watched through a pidfd (without reaping it, so its
 * process group id stays reserved until the group has been killed); without
 * pidfd_open() (Linux < 5.3) the loop polls waitid(WNOWAIT) every SLICE_MS.
 */

#define DEFAULT_COMMAND_MS 60000
#define DEFAULT_DEADLINE_MS 300000
#define DEFAULT_MAX_OUTPUT ((size_t)16 << 20)
#define STDERR_KEEP ((size_t)64 << 10)
#define CHUNK 32768
/* After the shell exits: how long something it left behind may keep its stdout/stderr open. */
#define EXIT_GRACE_MS 200
/* Without a pidfd: how often to look whether the shell has exited. */
#define SLICE_MS 50
/* Without close_range() (Linux < 5.9): close descriptors up to this (or RLIMIT_NOFILE). */
#define FALLBACK_MAX_FD 65536

#define SHELL "/bin/sh"

struct local_transport {
	struct hvc_transport base;
	char *root; /* $HVCLOCK_LOCAL_ROOT when created (test hook), or NULL */
};

/* A session: struct hvc_session first (core/transport.h), then the deadline. */
struct local_session {
	struct hvc_session base;
	struct local_transport *t;
	int64_t connected; /* monotonic ms at connect */
	int64_t deadline; /* connected + guest deadline */
};

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static struct local_transport *local_transport_from_transport(struct hvc_transport *t)
{
	assert(t && t->impl == &hvc_local_transport_impl);
	return (struct local_transport *)t;
}

static struct local_session *local_session_from_session(struct hvc_session *s)
{
	assert(s && s->impl == &hvc_local_transport_impl);
	return (struct local_session *)s;
}

/* --- the child, between fork() and execve() --- */

enum child_step {
	STEP_SETPGID,
	STEP_FCNTL,
	STEP_DUP2,
	STEP_CHROOT,
	STEP_CHDIR,
	STEP_EXECVE,
};

static const char *const step_names[] = {
	[STEP_SETPGID] = "setpgid",
	[STEP_FCNTL] = "fcntl",
	[STEP_DUP2] = "dup2",
	[STEP_CHROOT] = "chroot",
	[STEP_CHDIR] = "chdir",
	[STEP_EXECVE] = "execve",
};

struct child_failure {
	int step;
	int error;
};

/* Everything the child needs, built before fork(). */
struct child_plan {
	int fds[4]; /* stdin read end, stdout write end, stderr write end, failure write end */
	const char *root;
	char *argv[4];
	char *const *envp;
	struct sigaction dfl;
	sigset_t empty;
	int max_fd; /* for the close() loop if close_range() fails */
};

static char *const child_env[] = {
	(char *)"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	(char *)"LC_ALL=C",
	(char *)"HOME=/root",
	NULL,
};

static _noreturn_ void child_fail(int fd, enum child_step step)
{
	struct child_failure f = { .step = step, .error = errno };
	ssize_t n;

	do
		n = write(fd, &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

static _noreturn_ void run_child(const struct child_plan *p)
{
	int moved[4];

	/* Signals are all blocked (by the parent): reset every disposition, then unblock. */
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &p->dfl, NULL);
	if (setpgid(0, 0) < 0)
		child_fail(p->fds[3], STEP_SETPGID);
	/* Move all four above 3 first: any of them may sit on a target number (0-3). */
	for (int i = 0; i < 4; i++) {
		moved[i] = fcntl(p->fds[i], F_DUPFD_CLOEXEC, 4);
		if (moved[i] < 0)
			child_fail(p->fds[3], STEP_FCNTL); /* the originals are all still open */
	}
	for (int i = 0; i < 3; i++)
		if (dup2(moved[i], i) < 0) /* clears FD_CLOEXEC on the target */
			child_fail(moved[3], STEP_DUP2);
	if (dup3(moved[3], 3, O_CLOEXEC) < 0)
		child_fail(moved[3], STEP_DUP2);
	if (close_range(4, ~0U, 0) < 0)
		for (int fd = 4; fd < p->max_fd; fd++)
			(void)close(fd);
	if (p->root && chroot(p->root) < 0)
		child_fail(3, STEP_CHROOT);
	if (chdir("/") < 0)
		child_fail(3, STEP_CHDIR);
	(void)sigprocmask(SIG_SETMASK, &p->empty, NULL);
	execve(SHELL, p->argv, p->envp);
	child_fail(3, STEP_EXECVE);
}

/* --- the parent --- */

struct child {
	pid_t pid;
	int pidfd; /* -1 without pidfd_open() */
	int in, out, err, fail; /* our pipe ends */
	bool exited; /* the shell has exited (not reaped yet) */
};

static void pipe_pair_close(int p[2])
{
	close_fd(&p[0]);
	close_fd(&p[1]);
}

static int start_child(const struct local_transport *t, const char *command, struct child *c,
	struct hvc_error *err)
{
	int p_in[2] = { -1, -1 }, p_out[2] = { -1, -1 }, p_err[2] = { -1, -1 },
	    p_fail[2] = { -1, -1 };
	struct child_plan plan = {
		.root = t->root,
		.argv = { (char *)"sh", (char *)"-c", (char *)command, NULL },
		.envp = child_env,
		.max_fd = FALLBACK_MAX_FD,
	};
	struct rlimit rl;
	sigset_t all, old;
	int e;

	if (pipe2(p_in, O_CLOEXEC) < 0 || pipe2(p_out, O_CLOEXEC) < 0 ||
		pipe2(p_err, O_CLOEXEC) < 0 || pipe2(p_fail, O_CLOEXEC) < 0) {
		e = errno;
		pipe_pair_close(p_in);
		pipe_pair_close(p_out);
		pipe_pair_close(p_err);
		pipe_pair_close(p_fail);
		return hvc_error_set(err, -EIO, "local: cannot create pipes: %s", strerror(e));
	}
	plan.fds[0] = p_in[0];
	plan.fds[1] = p_out[1];
	plan.fds[2] = p_err[1];
	plan.fds[3] = p_fail[1];
	plan.dfl.sa_handler = SIG_DFL;
	sigemptyset(&plan.dfl.sa_mask);
	sigemptyset(&plan.empty);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		rl.rlim_cur < FALLBACK_MAX_FD)
		plan.max_fd = (int)rl.rlim_cur;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	c->pid = fork();
	if (c->pid == 0)
		run_child(&plan);
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	close_fd(&p_in[0]);
	close_fd(&p_out[1]);
	close_fd(&p_err[1]);
	close_fd(&p_fail[1]);
	c->in = p_in[1];
	c->out = p_out[0];
	c->err = p_err[0];
	c->fail = p_fail[0];
	if (c->pid < 0) {
		close_fd(&c->in);
		close_fd(&c->out);
		close_fd(&c->err);
		close_fd(&c->fail);
		return hvc_error_set(err, -EIO, "local: cannot fork: %s", strerror(e));
	}
	/* Also here: the group must exist before we may have to kill it (fails once exec'd). */
	(void)setpgid(c->pid, c->pid);
	c->pidfd = pidfd_open(c->pid, 0);
	(void)fcntl(c->in, F_SETFL, fcntl(c->in, F_GETFL) | O_NONBLOCK);
	(void)fcntl(c->out, F_SETFL, fcntl(c->out, F_GETFL) | O_NONBLOCK);
	(void)fcntl(c->err, F_SETFL, fcntl(c->err, F_GETFL) | O_NONBLOCK);
	return 0;
}

/* Kill the whole group (the shell is not reaped yet, so its group id is still ours), then reap. */
static int finish_child(struct child *c, int *ret_status)
{
	pid_t r;
	int status = 0;

	(void)kill(-c->pid, SIGKILL);
	if (!c->exited)
		(void)kill(c->pid, SIGKILL);
	close_fd(&c->in);
	close_fd(&c->out);
	close_fd(&c->err);
	close_fd(&c->fail);
	close_fd(&c->pidfd);
	do
		r = waitpid(c->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno; /* ECHILD: someone else reaped it (SIGCHLD ignored?) */
	if (ret_status)
		*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return 0;
}

enum pump_result {
	PUMP_DONE,
	PUMP_TIMEOUT,
	PUMP_TOO_BIG,
	PUMP_FAILED, /* errno-style code in *ret_errno */
};

/* A write to a pipe nobody reads raised SIGPIPE in this thread (blocked): take it back. */
static void consume_sigpipe(void)
{
	static const struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
		;
}

/* Read once from *fd into b. stdout: over limit is PUMP_TOO_BIG; stderr: past limit is dropped. */
static int read_stream(int *fd, struct hvc_obuf *b, size_t limit, bool is_stdout, int *ret_errno)
{
	char buf[CHUNK];
	size_t want = sizeof(buf);
	ssize_t n;

	if (is_stdout && limit + 1 - b->len < want)
		want = limit + 1 - b->len; /* read at most one byte past the cap */
	n = read(*fd, buf, want);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return PUMP_DONE;
		*ret_errno = errno;
		return PUMP_FAILED;
	}
	if (n == 0) {
		close_fd(fd);
		return PUMP_DONE;
	}
	if (is_stdout) {
		hvc_obuf_append(b, buf, (size_t)n);
		if (b->len > limit)
			return PUMP_TOO_BIG;
	} else if (b->len < limit) {
		size_t keep = limit - b->len;

		hvc_obuf_append(b, buf, keep < (size_t)n ? keep : (size_t)n);
	}
	return PUMP_DONE;
}

static bool shell_exited(struct child *c, const struct pollfd *pidfd_poll)
{
	siginfo_t si;

	if (c->pidfd >= 0)
		return pidfd_poll && pidfd_poll->revents != 0;
	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
		si.si_pid == c->pid;
}

/*
 * Feed stdin, collect stdout and stderr, until the shell has exited and both
 * are at EOF (or EXIT_GRACE_MS after its exit), or until deadline.
 */
static int pump(struct child *c, const char *in, size_t in_len, size_t max_out, int64_t deadline,
	bool sigpipe_was_pending, struct hvc_obuf *out, struct hvc_obuf *errb, int *ret_errno)
{
	size_t in_off = 0;
	int64_t grace = 0;

	if (in_len == 0)
		close_fd(&c->in);
	for (;;) {
		struct pollfd pfd[4];
		int n = 0, i_in = -1, i_out = -1, i_err = -1, i_pid = -1, timeout, r;
		int64_t now = hvc_now_ms(), until = deadline;

		if (c->exited && c->out < 0 && c->err < 0)
			return PUMP_DONE;
		if (now >= deadline)
			return PUMP_TIMEOUT;
		if (c->exited) {
			if (now >= grace)
				return PUMP_DONE;
			until = min64(until, grace);
		}
		timeout = until - now > INT_MAX ? INT_MAX : (int)(until - now);
		if (!c->exited && c->pidfd < 0 && timeout > SLICE_MS)
			timeout = SLICE_MS;
		if (c->in >= 0) {
			i_in = n;
			pfd[n++] = (struct pollfd){ .fd = c->in, .events = POLLOUT };
		}
		if (c->out >= 0) {
			i_out = n;
			pfd[n++] = (struct pollfd){ .fd = c->out, .events = POLLIN };
		}
		if (c->err >= 0) {
			i_err = n;
			pfd[n++] = (struct pollfd){ .fd = c->err, .events = POLLIN };
		}
		if (!c->exited && c->pidfd >= 0) {
			i_pid = n;
			pfd[n++] = (struct pollfd){ .fd = c->pidfd, .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			*ret_errno = errno;
			return PUMP_FAILED;
		}

		if (i_in >= 0 && pfd[i_in].revents) {
			ssize_t w = write(c->in, in + in_off, in_len - in_off);

			if (w >= 0) {
				in_off += (size_t)w;
				if (in_off >= in_len)
					close_fd(&c->in); /* EOF */
			} else if (errno != EAGAIN && errno != EINTR) {
				/* EPIPE: the command stopped reading its stdin; that is its business. */
				if (errno == EPIPE && !sigpipe_was_pending)
					consume_sigpipe();
				close_fd(&c->in);
			}
		}
		if (i_out >= 0 && pfd[i_out].revents) {
			r = read_stream(&c->out, out, max_out, true, ret_errno);
			if (r != PUMP_DONE)
				return r;
		}
		if (i_err >= 0 && pfd[i_err].revents) {
			r = read_stream(&c->err, errb, STDERR_KEEP, false, ret_errno);
			if (r != PUMP_DONE)
				return r;
		}
		if (!c->exited && shell_exited(c, i_pid >= 0 ? &pfd[i_pid] : NULL)) {
			c->exited = true;
			grace = hvc_now_ms() + EXIT_GRACE_MS;
			close_fd(&c->in); /* nobody left to read the rest */
		}
	}
}

/* Wait until execve() has happened in the child (EOF) or it reported why not. */
static int await_exec(struct child *c, int64_t deadline, struct child_failure *ret_failure)
{
	struct pollfd pfd = { .fd = c->fail, .events = POLLIN };
	ssize_t n;
	int r;

	for (;;) {
		r = poll(&pfd, 1, hvc_left_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return PUMP_TIMEOUT;
		break;
	}
	do
		n = read(c->fail, ret_failure, sizeof(*ret_failure));
	while (n < 0 && errno == EINTR);
	close_fd(&c->fail);
	if (n == (ssize_t)sizeof(*ret_failure)) {
		if (ret_failure->step < 0 || ret_failure->step > STEP_EXECVE)
			ret_failure->step = STEP_EXECVE;
		return PUMP_FAILED;
	}
	if (n != 0) {
		/* Cannot happen (one small write into an empty pipe); treat it as a failure. */
		ret_failure->step = STEP_EXECVE;
		ret_failure->error = n < 0 ? errno : EIO;
		return PUMP_FAILED;
	}
	return PUMP_DONE;
}

static void format_seconds(int ms, char *buf, size_t size)
{
	snprintf(buf, size, "%g", ms / 1000.0);
}

static int timeout_error(struct local_session *s, bool by_guest, struct hvc_error *err)
{
	const struct hvc_transport_options *o = &s->t->base.options;
	char secs[32];

	if (by_guest) {
		format_seconds(o->guest_deadline_ms, secs, sizeof(secs));
		return hvc_error_set(err, -ETIMEDOUT,
			"local: guest deadline of %s s since connect reached", secs);
	}
	format_seconds(o->command_timeout_ms, secs, sizeof(secs));
	return hvc_error_set(err, -ETIMEDOUT, "local: command timed out after %s s", secs);
}

static int run_command(struct local_session *s, const char *command, const char *in, size_t in_len,
	int64_t deadline, bool by_guest, bool sigpipe_was_pending, struct hvc_exec_result *ret,
	struct hvc_error *err)
{
	struct local_transport *t = s->t;
	struct child c = { .pid = -1, .pidfd = -1, .in = -1, .out = -1, .err = -1, .fail = -1 };
	struct child_failure failure = { 0 };
	struct hvc_obuf out = { 0 }, errb = { 0 };
	int status = -1, e = 0, rc, r;

	r = start_child(t, command, &c, err);
	if (r < 0)
		return r;
	rc = await_exec(&c, deadline, &failure);
	if (rc == PUMP_DONE)
		rc = pump(&c, in, in_len, t->base.options.max_output, deadline, sigpipe_was_pending,
			&out, &errb, &e);
	/* Normal end: the shell has exited; kill what it left in its group. Else kill it all. */
	r = finish_child(&c, &status);

	switch (rc) {
	case PUMP_DONE:
		if (r < 0) {
			r = hvc_error_set(err, -EIO,
				"local: cannot collect the exit status of %s: %s", SHELL,
				strerror(-r));
			break;
		}
		ret->exit_status = status;
		ret->out = hvc_obuf_take(&out, &ret->out_len);
		ret->err = hvc_obuf_take(&errb, &ret->err_len);
		return 0;
	case PUMP_TIMEOUT:
		r = timeout_error(s, by_guest, err);
		break;
	case PUMP_TOO_BIG:
		r = hvc_error_set(
			err, -EMSGSIZE, "local: output over %zu bytes", t->base.options.max_output);
		break;
	default:
		if (e) {
			r = hvc_error_set(
				err, -EIO, "local: lost the pipes to %s: %s", SHELL, strerror(e));
			break;
		}
		if (t->root)
			r = hvc_error_set(err, -EIO, "local: cannot start %s in %s: %s: %s", SHELL,
				t->root, step_names[failure.step], strerror(failure.error));
		else
			r = hvc_error_set(err, -EIO, "local: cannot start %s: %s: %s", SHELL,
				step_names[failure.step], strerror(failure.error));
		break;
	}
	free(out.data);
	free(errb.data);
	return r;
}

static int local_session_exec(struct hvc_session *base, const char *command, const char *stdin_data,
	size_t stdin_len, struct hvc_exec_result *ret, struct hvc_error *err)
{
	struct local_session *s = local_session_from_session(base);
	const struct hvc_transport_options *o = &s->t->base.options;
	int64_t cmd_deadline = hvc_now_ms() + o->command_timeout_ms;
	int64_t deadline = min64(cmd_deadline, s->deadline);
	bool by_guest = s->deadline <= cmd_deadline;
	sigset_t pipe_set, old, pending;
	bool was_pending;
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->exit_status = -1;
	if (!command || !*command)
		return hvc_error_set(err, -EINVAL, "local: empty command");
	if (stdin_len > 0 && !stdin_data)
		return hvc_error_set(err, -EINVAL, "local: stdin length without data");
	if (hvc_left_ms(deadline) <= 0)
		return timeout_error(s, by_guest, err);

	/* A command that stops reading its stdin must not kill us with SIGPIPE. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
	r = run_command(
		s, command, stdin_data, stdin_len, deadline, by_guest, was_pending, ret, err);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

static int local_transport_connect(struct hvc_transport *base, const char *host, unsigned port,
	const char *key_alias, struct hvc_session **ret_session, struct hvc_error *err)
{
	struct local_session *s = xcalloc(1, sizeof(*s));

	s->base.impl = &hvc_local_transport_impl;
	s->base.transport = base;
	s->t = local_transport_from_transport(base);
	s->connected = hvc_now_ms();
	s->deadline = s->connected + base->options.guest_deadline_ms;
	*ret_session = &s->base;
	return 0;
}

static void local_session_disconnect(struct hvc_session *base)
{
	free(base ? local_session_from_session(base) : NULL);
}

static void local_transport_destroy(struct hvc_transport *base)
{
	struct local_transport *t;

	if (!base)
		return;
	t = local_transport_from_transport(base);
	free(t->root);
	free(t);
}

const struct hvc_transport_impl hvc_local_transport_impl = {
	.name = "local",
	.connect = local_transport_connect,
	.exec = local_session_exec,
	.disconnect = local_session_disconnect,
	.destroy = local_transport_destroy,
};

int hvc_local_transport_new(
	const struct hvc_transport_options *opts, struct hvc_transport **ret, struct hvc_error *err)
{
	const char *root = getenv("HVCLOCK_LOCAL_ROOT");
	struct local_transport *t;
	struct hvc_transport_options *o;

	*ret = NULL;
	if (root && *root && root[0] != '/')
		return hvc_error_set(err, -EINVAL,
			"local: HVCLOCK_LOCAL_ROOT must be an absolute path, not '%s'", root);

	t = xcalloc(1, sizeof(*t));
	t->base.impl = &hvc_local_transport_impl;
	t->root = root && *root ? xstrdup(root) : NULL;
	o = &t->base.options;
	*o = *opts;
	/* Nothing to authenticate to: the strings are not kept (and not owned). */
	o->user = NULL;
	o->identity = NULL;
	o->known_hosts = NULL;
	o->use_agent = false;
	o->accept_new = false;
	if (o->command_timeout_ms <= 0)
		o->command_timeout_ms = DEFAULT_COMMAND_MS;
	if (o->guest_deadline_ms <= 0)
		o->guest_deadline_ms = DEFAULT_DEADLINE_MS;
	if (o->max_output == 0)
		o->max_output = DEFAULT_MAX_OUTPUT;
	*ret = &t->base;
	return 0;
}
