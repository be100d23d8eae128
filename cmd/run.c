/* run.c: the pipeline behind plan, rollout and rollback: select, reach, inspect, plan, apply. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cmd/run.h"
#include "core/conffile.h"
#include "core/guestscript.h"
#include "core/report.h"
#include "core/rollout.h"
#include "core/transport.h"
#include "backends/local/local.h"
#if HVC_HAS_SSH
#include "backends/ssh/ssh.h"
#endif

#define DEFAULT_LOCK_FILE "/run/hvclock/lock"
#define DEFAULT_PARALLEL 16
#define MAX_GUEST_OUTPUT (1024 * 1024)

/* Set by SIGINT/SIGTERM: workers finish the guest in hand and take no new one. */
static volatile sig_atomic_t interrupted;

int hvc_run_command(struct hvc_ctx *ctx, const struct hvc_command *cmd, enum hvc_run_mode mode,
	int argc, char **argv)
{
	static const struct option options[] = {
		HVC_COMMON_LONGOPTS,
		{ "profile", required_argument, NULL, 'p' },
		{ "all-guests", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct hvc_run run = { .ctx = ctx, .cmd = cmd, .mode = mode };
	bool all = false;
	int opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, HVC_COMMON_SHORTOPTS "p:", options, NULL)) != -1) {
		r = hvc_common_option(ctx, opt, optarg);
		if (r < 0)
			return HVC_EXIT_USAGE;
		if (r > 0)
			continue;
		/* --profile makes no sense for a rollback; plan takes --all-guests for symmetry. */
		if (opt == 'p' && mode != HVC_RUN_ROLLBACK) {
			run.profile_name = optarg;
		} else if (opt == 'a') {
			all = true;
		} else if (opt == 'h') {
			hvc_print_usage(stdout, cmd);
			return HVC_EXIT_OK;
		} else {
			if (opt == 'p')
				return hvc_usage_error(
					cmd, "option '--profile' is not for %s", cmd->name);
			return hvc_run_bad_option(cmd, argv, "cip");
		}
	}
	run.names = argv + optind;
	run.n_names = (size_t)(argc - optind);
	run.all = all;
	if (all && run.n_names > 0)
		return hvc_usage_error(cmd, "give either --all-guests or guest names, not both");
	if (mode != HVC_RUN_PLAN && !all && run.n_names == 0)
		return hvc_usage_error(cmd, "no guests named: give guest names or --all-guests");
	return hvc_run(&run);
}

int hvc_run_bad_option(const struct hvc_command *cmd, char **argv, const char *with_arg)
{
	if (optopt && optopt < 0x100 && strchr(with_arg, optopt))
		return hvc_usage_error(cmd, "option '-%c' needs an argument", optopt);
	if (optopt && optopt < 0x100)
		return hvc_usage_error(cmd, "unknown option '-%c'", optopt);
	return hvc_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
}

/* One guest's work, done by one worker; everything in it belongs to that worker. */
struct job {
	struct hvc_guest *guest;
	struct hvc_backend *backend;
	struct hvc_guest_plan *gp;
	const struct hvc_profile *forced;
	bool config_skip;
	const char *config_address;
	const char *cli_address;
	bool allow_unverified; /* a guest that reports no UUID may be changed */
	bool started;
};

struct pool {
	const struct hvc_run *run;
	const struct hvc_profile_set *profiles;
	struct hvc_transport *transport; /* NULL: no guest access */
	const char *no_transport; /* why transport is NULL */
	char **sysctl_keys; /* every key a profile may set: asked at inspection */
	unsigned default_port;
	long long wait_until_ms; /* --wait-ssh: keep trying to reach guests until then */
	struct job *jobs;
	size_t n_jobs;
	size_t next;
	pthread_mutex_t lock;
};

/* --- the lock: one writer at a time --- */

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

static int take_lock(int *ret_fd)
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

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	/* A second Ctrl-C kills: the operator meant it. */
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * A connection that dies under us (libvirtd stopped, a guest gone) must be an
 * error for that guest, not a SIGPIPE that kills the whole run unreported.
 */
static void ignore_sigpipe(void)
{
	signal(SIGPIPE, SIG_IGN);
}

/* --- reaching a guest --- */

/*
 * Where to reach a guest: --guest-address, config, domain metadata, then the
 * hypervisor's first usable address (the ones refused go to reach).
 */
static int resolve_address(
	struct pool *p, struct job *j, char **ret_host, unsigned *ret_port, char **ret_source)
{
	struct hvc_guest *g = j->guest;
	struct hvc_reach *reach = &j->gp->reach;
	struct hvc_error err = { 0 };
	struct hvc_guest_address *addrs = NULL;
	unsigned n = 0;
	int r = -ENOENT;

	*ret_port = 0;
	if (j->cli_address) {
		*ret_source = xstrdup("--guest-address");
		return hvc_parse_address(j->cli_address, ret_host, ret_port);
	}
	if (j->config_address) {
		*ret_source = xstrdup("configuration");
		return hvc_parse_address(j->config_address, ret_host, ret_port);
	}
	if (g->has_record && g->record.address) {
		*ret_source = xstrdup("domain metadata");
		if (hvc_parse_address(g->record.address, ret_host, ret_port) < 0)
			return -EINVAL;
		if (g->record.port)
			*ret_port = (unsigned)g->record.port;
		return 0;
	}
	if (hvc_backend_guest_addresses(j->backend, g, &addrs, &n, &err) < 0) {
		free_and_strdup(&reach->inspect_error, err.msg);
		return -EIO;
	}
	strv_free(reach->addresses_refused);
	reach->addresses_refused = NULL;
	for (unsigned i = 0; i < n; i++) {
		if (addrs[i].refused) {
			strv_consume(&reach->addresses_refused,
				xasprintf("%s (libvirt %s): %s", addrs[i].address, addrs[i].source,
					addrs[i].refused));
		} else if (r < 0) {
			*ret_source = xasprintf("libvirt %s", addrs[i].source);
			*ret_host = xstrdup(addrs[i].address);
			r = 0;
		}
	}
	hvc_guest_addresses_free(addrs, n);
	return r;
}

/* Run the inspection script over session and fill g->facts; a failure sets *ret_error. */
static int inspect(struct hvc_transport *t, struct hvc_session *session, char **sysctl_keys,
	struct hvc_guest *g, char **ret_error)
{
	struct hvc_error err = { 0 };
	struct hvc_exec_result res = { 0 };
	_cleanup_free_ char *request = NULL;
	size_t len;
	int r;

	request = hvc_inspect_request(
		sysctl_keys, g->is_host, hvc_guest_deadline_s(t->options.command_timeout_ms), &len);
	if (!request) {
		*ret_error = xstrdup("a profile names a sysctl key the inspection cannot ask for");
		return -EINVAL;
	}
	r = hvc_session_exec(t, session, HVC_GUEST_COMMAND, request, len, &res, &err);
	if (r >= 0 && res.exit_status != 0)
		r = hvc_error_set(&err, -EIO, "inspection script exited with status %d%s%.200s",
			res.exit_status, res.err_len ? ": " : "", res.err ? res.err : "");
	if (r >= 0)
		r = hvc_inspect_parse(res.out, res.out_len, &g->facts, &err);
	hvc_exec_result_finish(&res);
	if (r < 0)
		*ret_error = xasprintf("inspection failed: %s", err.msg);
	return r;
}

/*
 * Is the guest reached the domain meant? Compares the UUIDs it reported
 * with the domain's; only then is a new host key recorded (--accept-new).
 * A guest that is not the one meant, or cannot say (unless allowed), is
 * -EPERM: its facts are dropped, nothing is changed.
 */
static int verify_identity(struct pool *p, struct job *j, struct hvc_session *session)
{
	struct hvc_guest *g = j->guest;
	struct hvc_reach *reach = &j->gp->reach;
	struct hvc_error err = { 0 };

	free(reach->identity_detail);
	reach->identity = hvc_identity_check(
		g->uuid, &g->facts, j->allow_unverified, &reach->identity_detail);
	if (reach->identity == HVC_IDENTITY_MISMATCH || reach->identity == HVC_IDENTITY_UNKNOWN) {
		free(reach->inspect_error);
		reach->inspect_error = xasprintf("%s at %s: %s%s",
			reach->identity == HVC_IDENTITY_MISMATCH ? "not this guest"
								 : "identity not verified",
			reach->address, reach->identity_detail,
			reach->identity == HVC_IDENTITY_MISMATCH
				? "; refusing to touch it (wrong address?)"
				: "; refusing changes (allow with --no-verify-identity or "
				  "verify-identity = no)");
		hvc_facts_finish(&g->facts);
		hvc_facts_init(&g->facts);
		return -EPERM;
	}
	if (hvc_session_pin_key(p->transport, session, &err) < 0) {
		free_and_strdup(&reach->inspect_error, err.msg);
		return -EIO;
	}
	return 0;
}

/* Connect, inspect, verify; on success *ret_session is open. Failures go to reach. */
static int reach_and_inspect(struct pool *p, struct job *j, struct hvc_session **ret_session)
{
	struct hvc_reach *reach = &j->gp->reach;
	struct hvc_error err = { 0 };
	_cleanup_free_ char *host = NULL, *source = NULL;
	unsigned port;
	bool resolved = false;
	int r;

	*ret_session = NULL;
	if (!p->transport) {
		reach->inspect_error =
			xstrdup(p->no_transport ? p->no_transport : "no guest access");
		return -EOPNOTSUPP;
	}
	if (j->guest->state == HVC_STATE_PAUSED) {
		reach->inspect_error = xstrdup("the guest is paused");
		return -EAGAIN;
	}
	/*
	 * --wait-ssh: a guest started a moment ago has no lease yet, or no sshd
	 * yet; keep trying (bounded) while the answer is "not yet", not "no".
	 */
	for (;;) {
		bool again;

		free(host);
		free(source);
		host = source = NULL;
		hvc_error_clear(&err);
		resolved = false;
		r = resolve_address(p, j, &host, &port, &source);
		if (r == 0) {
			resolved = true;
			if (!port)
				port = p->default_port;
			/* The key is pinned to the domain, not to the address (HostKeyAlias). */
			r = hvc_transport_connect_as(p->transport, host, port,
				j->guest->uuid[0] ? j->guest->uuid : NULL, ret_session, &err);
		}
		/* "Not yet" answers only: no lease yet, nothing listening yet, no banner yet. */
		again = ((!resolved && r == -ENOENT) ||
				(resolved &&
					(r == -ECONNREFUSED || r == -ETIMEDOUT ||
						r == -EHOSTUNREACH || r == -ECONNRESET))) &&
			!interrupted && hvc_now_ms() + 1000 < p->wait_until_ms;
		if (!again)
			break;
		free(reach->inspect_error);
		reach->inspect_error = NULL;
		sleep(1);
	}
	if (!resolved && r == -ENOENT) {
		if (reach->addresses_refused)
			reach->inspect_error = xstrdup("no usable address: libvirt reports only "
						       "addresses hvclock refuses (see 'refused')");
		else
			reach->inspect_error =
				xstrdup("no address known for this guest (give one with "
					"--guest-address NAME=HOST[:PORT] or in hvclock.conf)");
		return r;
	}
	if (!resolved) {
		if (!reach->inspect_error)
			reach->inspect_error = xstrdup("the recorded address is invalid");
		return r;
	}
	reach->address = strchr(host, ':') ? xasprintf("[%s]:%u", host, port)
					   : xasprintf("%s:%u", host, port);
	reach->address_source = TAKE_PTR(source);
	if (!*ret_session) {
		reach->inspect_error = xstrdup(err.msg);
		return -EIO;
	}
	r = inspect(p->transport, *ret_session, p->sysctl_keys, j->guest, &reach->inspect_error);
	if (r >= 0)
		r = verify_identity(p, j, *ret_session);
	if (r < 0) {
		hvc_session_disconnect(p->transport, *ret_session);
		*ret_session = NULL;
	}
	return r;
}

/* --- one guest --- */

/* The profile hvclock applied before: the host's state file, else the domain metadata. */
static void recorded_profile(struct hvc_guest *g)
{
	_cleanup_free_ char *path = xasprintf("%s/guests/%s.json", hvc_state_dir(), g->uuid);
	struct json_object *o = g->uuid[0] ? json_object_from_file(path) : NULL;
	struct json_object *remedy, *profile;

	g->has_host_state = o != NULL;
	if (o && json_object_object_get_ex(o, "remedy", &remedy) &&
		json_object_object_get_ex(remedy, "profile", &profile) &&
		json_object_is_type(profile, json_type_string))
		free_and_strdup(&g->recorded_profile, json_object_get_string(profile));
	json_object_put(o);
	if (!g->recorded_profile && g->has_record && g->record.profile)
		free_and_strdup(&g->recorded_profile, g->record.profile);
}

static void run_job(struct pool *p, struct job *j)
{
	const struct hvc_run *run = p->run;
	struct hvc_guest *g = j->guest;
	struct hvc_guest_plan *gp = j->gp;
	struct hvc_session *session = NULL;
	struct hvc_guest_access access = { .transport = p->transport };
	bool needs_guest;
	int r;

	if (g->error) {
		hvc_plan_guest_failed(g, g->error, gp);
		goto finish;
	}
	if (j->config_skip) {
		hvc_plan_guest_skipped(g, "skipped by the configuration file", gp);
		goto finish;
	}
	/* Guests that will be skipped anyway are not worth a connection. */
	needs_guest =
		(g->state == HVC_STATE_RUNNING || g->state == HVC_STATE_PAUSED) && g->persistent;
	r = needs_guest ? reach_and_inspect(p, j, &session) : 0;
	if (r == -EPERM) {
		/* Not the guest meant, or it cannot say: touch neither it nor its domain. */
		_cleanup_free_ char *why = xstrdup(gp->reach.inspect_error);
		hvc_plan_guest_failed(g, why, gp);
		gp->status = HVC_PLAN_BLOCKED;
		goto finish;
	}
	if (r < 0 && gp->reach.address && g->state != HVC_STATE_PAUSED) {
		/* An address was known but the guest could not be inspected: that is a failure. */
		_cleanup_free_ char *why = xasprintf("not inspected: %s", gp->reach.inspect_error);
		hvc_plan_guest_failed(g, why, gp);
		goto finish;
	}

	recorded_profile(g);
	access.session = session;
	access.why_not = gp->reach.inspect_error;
	if (run->mode == HVC_RUN_ROLLBACK) {
		hvc_rollback_plan_guest(g, gp);
		hvc_rollback_guest(j->backend, gp, &access);
		goto finish;
	}
	hvc_plan_guest(p->profiles, g, j->forced, gp);
	if (run->mode == HVC_RUN_ROLLOUT)
		hvc_rollout_guest(j->backend, gp, &access);
finish:
	/* Guests that failed or were skipped before planning still need their result. */
	if (run->mode != HVC_RUN_PLAN && gp->result == HVC_RESULT_NONE)
		hvc_rollout_guest(j->backend, gp, &access);
	if (session)
		hvc_session_disconnect(p->transport, session);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct job *j = NULL;

		pthread_mutex_lock(&p->lock);
		if (!interrupted && p->next < p->n_jobs) {
			j = &p->jobs[p->next++];
			j->started = true;
		}
		pthread_mutex_unlock(&p->lock);
		if (!j)
			return NULL;
		run_job(p, j);
	}
}

/* Run every job in a pool of at most n threads; a failing thread start just means fewer. */
static void run_pool(struct pool *p, int n)
{
	pthread_t *threads;
	int started = 0;

	if (n > (int)p->n_jobs)
		n = (int)p->n_jobs;
	if (n < 1)
		n = 1;
	threads = xcalloc((size_t)n, sizeof(*threads));
	for (int i = 0; i < n; i++)
		if (pthread_create(&threads[started], NULL, worker, p) == 0)
			started++;
	if (started == 0)
		worker(p);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
}

/* --- set-up --- */

static char *default_identity(void)
{
	static const char *const names[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	const char *home = getenv("HOME");

	for (size_t i = 0; home && i < ELEMENTSOF(names); i++) {
		char *path = xasprintf("%s/.ssh/%s", home, names[i]);
		if (access(path, R_OK) == 0)
			return path;
		free(path);
	}
	return NULL;
}

/* The command line wins over the configuration file, which wins over the default. */
static int pick(int cli, int config, int def)
{
	return cli ? cli : config ? config : def;
}

/* The time and size limits of every transport. */
static void set_limits(
	const struct hvc_ctx *ctx, const struct hvc_config *cfg, struct hvc_transport_options *o)
{
	o->connect_timeout_ms = 1000 * pick(ctx->connect_timeout_s, cfg->connect_timeout_s, 10);
	o->command_timeout_ms = 1000 * pick(ctx->command_timeout_s, cfg->command_timeout_s, 60);
	o->guest_deadline_ms = 1000 * pick(ctx->guest_deadline_s, cfg->guest_deadline_s, 180);
	o->max_output = MAX_GUEST_OUTPUT;
}

static int make_transport(const struct hvc_ctx *ctx, const struct hvc_config *cfg,
	struct hvc_transport **ret, struct hvc_error *err)
{
#if HVC_HAS_SSH
	struct hvc_transport_options o = { 0 };
	_cleanup_free_ char *kh = NULL, *ident = NULL;

	o.user = ctx->user ? ctx->user : cfg->user ? cfg->user : "root";
	o.identity = ctx->identity ? ctx->identity : cfg->identity;
	/* OpenSSH's IdentitiesOnly: an explicit identity is the only key, unless --agent/agent = yes. */
	o.use_agent = hvc_ssh_agent_wanted(o.identity != NULL,
		ctx->agent              ? 1
			: ctx->no_agent ? 0
					: -1,
		cfg->agent);
	if (!o.identity)
		o.identity = ident = default_identity();
	o.known_hosts = ctx->known_hosts ? ctx->known_hosts : cfg->known_hosts;
	if (!o.known_hosts)
		o.known_hosts = kh = xasprintf("%s/known_hosts", hvc_state_dir());
	o.accept_new = ctx->accept_new;
	set_limits(ctx, cfg, &o);
	return hvc_ssh_transport_new(&o, ret, err);
#else
	*ret = NULL;
	return hvc_error_set(err, -EOPNOTSUPP, "this build of hvclock has no SSH transport");
#endif
}

static const char *cli_address_for(const struct hvc_ctx *ctx, const struct hvc_guest *g)
{
	STRV_FOREACH (a, ctx->guest_addresses) {
		const char *eq = strchr(*a, '=');
		size_t n = (size_t)(eq - *a);
		if ((strlen(g->name) == n && strncmp(*a, g->name, n) == 0) ||
			(n == 36 && strncasecmp(*a, g->uuid, n) == 0))
			return eq + 1;
	}
	return NULL;
}

static void add_keys_of(char ***keys, const struct hvc_condition *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].kind == HVC_COND_SYSCTL_EXISTS)
			STRV_FOREACH (v, c[i].values)
				if (!strv_contains(*keys, *v))
					strv_push(keys, *v);
}

/* Every sysctl key a profile sets or asks about: the inspection reports on each. */
static char **all_sysctl_keys(const struct hvc_profile_set *set)
{
	char **keys = NULL;
	for (size_t i = 0; i < set->n; i++) {
		const struct hvc_profile *p = set->profiles[i];
		for (size_t k = 0; k < p->n_sysctls; k++)
			if (!strv_contains(keys, p->sysctls[k].key))
				strv_push(&keys, p->sysctls[k].key);
		for (size_t b = 0; b < p->n_match; b++)
			add_keys_of(&keys, p->match[b].conds, p->match[b].n);
		add_keys_of(&keys, p->expect, p->n_expect);
		add_keys_of(&keys, p->done_if, p->n_done_if);
		STRV_FOREACH (kv, p->host_sysctls) {
			_cleanup_free_ char *key = xstrndup(*kv, strcspn(*kv, "="));
			if (!strv_contains(keys, key))
				strv_push(&keys, key);
		}
	}
	return keys;
}

static bool changed_something(const struct hvc_guest_plan *gp)
{
	for (size_t i = 0; i < gp->n_actions; i++)
		if (gp->actions[i].result == HVC_RESULT_APPLIED ||
			(gp->actions[i].result == HVC_RESULT_DEFERRED &&
				gp->actions[i].state == HVC_ACTION_PENDING))
			return true;
	return false;
}

/*
 * The host's own record of what hvclock changed, one JSON file per guest
 * under STATE_DIR/guests/ (the domain metadata holds the same for the host
 * cmdline; this file also covers guest-side steps). Removed by a rollback.
 */
static int record_one(const char *dir, const struct hvc_guest_plan *gp, enum hvc_run_mode mode)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", dir, gp->guest->uuid);
	struct hvc_error err = { 0 };
	int r = 0;

	if (!gp->guest->uuid[0])
		return 0;
	if (mode == HVC_RUN_ROLLOUT && changed_something(gp)) {
		struct json_object *o = hvc_report_guest_json(gp, HVC_REPORT_ROLLOUT);
		_cleanup_free_ char *now = now_iso8601();
		json_object_object_add(o, "time", json_object_new_string(now));
		const char *text = json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
		r = hvc_write_file_atomic(path, text, strlen(text), 0600, &err);
		json_object_put(o);
	} else if (mode == HVC_RUN_ROLLBACK && gp->result != HVC_RESULT_FAILED &&
		gp->result != HVC_RESULT_SKIPPED && gp->result != HVC_RESULT_NONE) {
		if (unlink(path) < 0 && errno != ENOENT)
			r = -errno;
	}
	if (r < 0)
		hvc_log_error("warning: cannot update %s: %s", path,
			hvc_error_is_set(&err) ? err.msg : strerror(-r));
	return r;
}

/*
 * The host's own record of what hvclock changed, one JSON file per guest
 * (and one for the host row, under dom0's UUID) in STATE_DIR/guests/ (the
 * domain metadata holds the same for the host cmdline; this file also covers
 * guest-side steps). Removed by a rollback.
 */
static void record_state(const struct hvc_plan *plan, enum hvc_run_mode mode)
{
	_cleanup_free_ char *dir = xasprintf("%s/guests", hvc_state_dir());
	struct hvc_error err = { 0 };

	/* Never a symlink, nor a directory someone else owns or may write to. */
	if (hvc_mkdir_private(hvc_state_dir(), &err) < 0 || hvc_mkdir_private(dir, &err) < 0) {
		hvc_log_error("warning: host state not recorded: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < plan->n; i++)
		record_one(dir, &plan->guests[i], mode);
	if (plan->host)
		record_one(dir, plan->host, mode);
}

static int exit_code(const struct hvc_plan *plan, enum hvc_run_mode mode)
{
	bool pending = false;

	for (size_t i = 0; i < plan->n + !!plan->host; i++) {
		const struct hvc_guest_plan *gp = i < plan->n ? &plan->guests[i] : plan->host;
		if (mode != HVC_RUN_PLAN) {
			if (gp->result == HVC_RESULT_FAILED || gp->result == HVC_RESULT_NONE)
				return HVC_EXIT_FAILED;
			continue;
		}
		if (gp->status == HVC_PLAN_FAILED || gp->status == HVC_PLAN_BLOCKED)
			return HVC_EXIT_FAILED;
		if (gp->status == HVC_PLAN_PENDING)
			pending = true;
	}
	return pending ? HVC_EXIT_PENDING : HVC_EXIT_OK;
}

static int load_config(const struct hvc_ctx *ctx, struct hvc_config *cfg)
{
	struct hvc_error err = { 0 };
	const char *path = ctx->config_path, *env = getenv("HVCLOCK_CONFIG");
	_cleanup_free_ char *def = xasprintf("%s/hvclock/hvclock.conf", HVC_SYSCONFDIR);
	bool explicit = true;

	/* Only the default file may be missing; a path someone wrote down must exist. */
	if (!path && env && *env)
		path = env;
	if (!path) {
		path = def;
		explicit = false;
	}
	if (hvc_config_load(path, explicit, cfg, &err) < 0) {
		hvc_log_error("%s", err.msg);
		return -1;
	}
	return 0;
}

/* --- the host row (Xen dom0) --- */

/* The first connection that offers a host row; a backend that fails to say is warned about. */
static struct hvc_guest *find_host(struct hvc_fleet *f, struct hvc_backend **ret_backend)
{
	for (size_t i = 0; i < f->n; i++) {
		struct hvc_error err = { 0 };
		struct hvc_guest *h = NULL;

		if (hvc_backend_host(f->backends[i], &h, &err) < 0) {
			hvc_log_error("warning: no host row: %s", err.msg);
			continue;
		}
		if (h) {
			*ret_backend = f->backends[i];
			return h;
		}
	}
	return NULL;
}

/* Drop the host's name or UUID from names (the host is not a guest); true if it was there. */
static bool take_host_name(const struct hvc_guest *host, char **names, size_t *n)
{
	size_t kept = 0;
	bool found = false;

	for (size_t i = 0; i < *n; i++) {
		if (host && (streq(names[i], host->name) || strcasecmp(names[i], host->uuid) == 0))
			found = true;
		else
			names[kept++] = names[i];
	}
	*n = kept;
	return found;
}

/*
 * After the guests: inspect the host through the local transport, plan its
 * row from the remedies chosen for the guests (rollback: from what hvclock
 * left there), and carry it out. rollback touches the host only when it is
 * named or with --all-guests: other guests may still need it.
 */
static void run_host(struct pool *p, const struct hvc_ctx *ctx, const struct hvc_config *cfg,
	struct hvc_plan *plan, struct hvc_guest *host, struct hvc_backend *b, bool named)
{
	const struct hvc_run *run = p->run;
	struct hvc_transport_options o = { 0 };
	struct hvc_transport *t = NULL;
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	struct hvc_guest_access access = { 0 };
	_cleanup_free_ char *why = NULL;

	if (run->mode == HVC_RUN_ROLLBACK && !run->all && !named)
		return;
	set_limits(ctx, cfg, &o);
	if (hvc_local_transport_new(&o, &t, &err) < 0 ||
		hvc_transport_connect(t, NULL, 0, &s, &err) < 0)
		why = xasprintf("cannot run the scripts in dom0: %s", err.msg);
	else if (inspect(t, s, p->sysctl_keys, host, &why) < 0) {
		hvc_session_disconnect(t, s);
		s = NULL;
	}
	access = (struct hvc_guest_access){ .transport = t, .session = s, .why_not = why };

	if (run->mode == HVC_RUN_ROLLBACK) {
		plan->host = xcalloc(1, sizeof(*plan->host));
		if (why) {
			_cleanup_free_ char *reason = xasprintf("not inspected: %s", why);
			hvc_plan_guest_failed(host, reason, plan->host);
		} else {
			hvc_rollback_plan_guest(host, plan->host);
		}
		hvc_rollback_guest(b, plan->host, &access);
	} else {
		hvc_plan_host(plan, host, named);
		if (plan->host && why) {
			_cleanup_free_ char *reason = xasprintf("not inspected: %s", why);
			hvc_guest_plan_finish(plan->host);
			hvc_plan_guest_failed(host, reason, plan->host);
			plan->host->reach.inspect_error = xstrdup(why);
		}
		if (plan->host && run->mode == HVC_RUN_ROLLOUT)
			hvc_rollout_guest(b, plan->host, &access);
	}
	if (plan->host)
		plan->host->reach.identity = HVC_IDENTITY_LOCAL;
	if (s)
		hvc_session_disconnect(t, s);
	hvc_transport_destroy(t);
}

/*
 * Remedies with a dom0 part, but no host row here (a remote xen+ssh:// host,
 * or a test fleet): say that half of the remedy is left to a run in dom0.
 */
static void warn_dom0_elsewhere(const struct hvc_plan *plan)
{
	_cleanup_strv_free_ char **names = NULL;

	for (size_t i = 0; i < plan->n; i++) {
		const struct hvc_guest_plan *gp = &plan->guests[i];
		const struct hvc_profile *p = gp->decision.profile;
		if (p && hvc_profile_has_host_part(p) && gp->status != HVC_PLAN_SKIPPED &&
			gp->status != HVC_PLAN_FAILED && !strv_contains(names, p->name))
			strv_push(&names, p->name);
	}
	if (!names)
		return;
	_cleanup_free_ char *list = strv_join(names, ", ");
	hvc_log_error("warning: %s also change%s dom0 ([host]), which hvclock does only when it "
		      "runs there (-c xl:/// or xen:///system in dom0)",
		list, strv_length(names) > 1 ? "" : "s");
}

int hvc_run(struct hvc_run *run)
{
	struct hvc_ctx *ctx = run->ctx;
	struct hvc_config cfg = { 0 };
	struct hvc_profile_set profiles = { 0 };
	const struct hvc_profile *forced = NULL;
	struct hvc_fleet fleet = { 0 };
	struct hvc_plan plan = { 0 };
	struct hvc_guest **guests = NULL;
	struct hvc_backend **backends = NULL;
	struct pool pool = { .run = run };
	struct hvc_error terr = { 0 };
	struct hvc_guest *host = NULL;
	struct hvc_backend *host_backend = NULL;
	char **names = NULL;
	size_t n = 0, n_names = 0;
	bool host_named = false;
	int r = HVC_EXIT_CANNOT_START, lock_fd = -1;
	bool writes = run->mode != HVC_RUN_PLAN;

	if (load_config(ctx, &cfg) < 0)
		return HVC_EXIT_CANNOT_START;
	if (hvc_ctx_load_profiles(ctx, &profiles) < 0)
		goto out;
	if (run->profile_name) {
		forced = hvc_profile_set_find(&profiles, run->profile_name);
		if (!forced) {
			_cleanup_strv_free_ char **known = NULL;
			for (size_t i = 0; i < profiles.n; i++)
				strv_push(&known, profiles.profiles[i]->name);
			_cleanup_free_ char *list = strv_join(known, ", ");
			r = hvc_usage_error(run->cmd, "unknown profile '%s' (known: %s)",
				run->profile_name, list);
			goto out;
		}
	}
	for (size_t i = 0; i < cfg.n_guests; i++)
		if (cfg.guests[i].profile &&
			!hvc_profile_set_find(&profiles, cfg.guests[i].profile)) {
			hvc_log_error("configuration: [guest:%s] names unknown profile '%s'",
				cfg.guests[i].name, cfg.guests[i].profile);
			goto out;
		}
	ignore_sigpipe();
	if (writes && take_lock(&lock_fd) < 0)
		goto out;
	/* plan never writes: a read-only connection is enough and safer. */
	if (hvc_fleet_open(ctx, !writes, true, &fleet) < 0)
		goto out;
	host = find_host(&fleet, &host_backend);
	names = xcalloc(run->n_names + 1, sizeof(*names));
	memcpy(names, run->names, run->n_names * sizeof(*names));
	n_names = run->n_names;
	host_named = take_host_name(host, names, &n_names);
	if (run->n_names > 0 && n_names == 0) {
		/* Only the host was named: no guest is selected (not "all of them"). */
	} else if (hvc_fleet_select(&fleet, names, n_names, &guests, &backends, &n) < 0)
		goto out;
	if (make_transport(ctx, &cfg, &pool.transport, &terr) < 0) {
		/* A plan is still worth having without guest access: host-side only, said so. */
		if (writes || terr.code != -EINVAL) {
			hvc_log_error("%s", terr.msg);
			goto out;
		}
		hvc_log_error("warning: guests will not be inspected: %s", terr.msg);
		pool.no_transport = terr.msg;
	}

	pool.profiles = &profiles;
	pool.sysctl_keys = all_sysctl_keys(&profiles);
	pool.default_port = cfg.port ? cfg.port : 22;
	pool.wait_until_ms = hvc_now_ms() + 1000LL * ctx->wait_ssh_s;
	pool.jobs = xcalloc(n ? n : 1, sizeof(*pool.jobs));
	pool.n_jobs = n;
	pthread_mutex_init(&pool.lock, NULL);
	for (size_t i = 0; i < n; i++) {
		const struct hvc_guest_config *gc =
			hvc_config_guest(&cfg, guests[i]->name, guests[i]->uuid);
		struct job *j = &pool.jobs[i];
		j->guest = guests[i];
		j->backend = backends[i];
		j->gp = hvc_plan_add(&plan);
		j->forced = forced          ? forced
			: gc && gc->profile ? hvc_profile_set_find(&profiles, gc->profile)
					    : NULL;
		j->config_skip = gc && gc->skip;
		j->config_address = gc ? gc->address : NULL;
		j->cli_address = cli_address_for(ctx, guests[i]);
		j->allow_unverified = ctx->no_verify_identity || (gc && gc->verify_identity == 0);
	}
	/* plan->guests may have moved while growing: point the jobs at the final array. */
	for (size_t i = 0; i < n; i++)
		pool.jobs[i].gp = &plan.guests[i];

	if (writes)
		install_signals();
	run_pool(&pool, pick(ctx->parallel, cfg.parallel, DEFAULT_PARALLEL));
	for (size_t i = 0; i < n; i++)
		if (!pool.jobs[i].started) {
			plan.guests[i].guest = guests[i];
			plan.guests[i].status = HVC_PLAN_SKIPPED;
			plan.guests[i].status_reason =
				xstrdup("not reached: the run was interrupted");
			plan.guests[i].result = HVC_RESULT_NONE;
			plan.guests[i].result_msg = xstrdup("not reached: the run was interrupted");
		}
	if (host && !interrupted)
		run_host(&pool, ctx, &cfg, &plan, host, host_backend, host_named);
	else if (run->mode != HVC_RUN_ROLLBACK)
		warn_dom0_elsewhere(&plan);

	if (ctx->json) {
		enum hvc_report_kind kind = run->mode == HVC_RUN_PLAN ? HVC_REPORT_PLAN
			: run->mode == HVC_RUN_ROLLOUT                ? HVC_REPORT_ROLLOUT
								      : HVC_REPORT_ROLLBACK;
		struct json_object *doc = hvc_report_plan_json(&plan, kind);
		hvc_report_print_json(stdout, doc);
		json_object_put(doc);
	} else {
		enum hvc_report_kind kind = run->mode == HVC_RUN_PLAN ? HVC_REPORT_PLAN
			: run->mode == HVC_RUN_ROLLOUT                ? HVC_REPORT_ROLLOUT
								      : HVC_REPORT_ROLLBACK;
		hvc_report_plan_text(stdout, &plan, kind, ctx->verbose > 0, ctx->quiet);
	}
	fflush(stdout);
	if (writes)
		record_state(&plan, run->mode);
	if (interrupted)
		hvc_log_error(
			"interrupted: guests in flight were finished, the others were not reached");
	r = exit_code(&plan, run->mode);

	pthread_mutex_destroy(&pool.lock);
out:
	hvc_plan_finish(&plan);
	hvc_guest_free(host);
	free(names);
	free(pool.jobs);
	strv_free(pool.sysctl_keys);
	hvc_transport_destroy(pool.transport);
	free(guests);
	free(backends);
	hvc_fleet_close(&fleet);
	hvc_profile_set_finish(&profiles);
	hvc_config_finish(&cfg);
	if (lock_fd >= 0)
		close(lock_fd);
	return r;
}
