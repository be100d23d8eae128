/* run.c: plan, rollout and rollback on the CLI: configuration, transports, selection, the engine, report, exit code. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "cmd/run.h"
#include "core/conffile.h"
#include "core/engine.h"
#include "core/report.h"
#include "core/restart.h"
#include "core/state.h"
#include "core/transport.h"
#include "backends/local/local.h"
#if HVC_HAS_SSH
#include "backends/ssh/ssh.h"
#endif

#define MAX_GUEST_OUTPUT (1024 * 1024)
/* rollout --restart: a graceful shutdown or reboot, and the new boot on SSH. */
#define DEFAULT_RESTART_TIMEOUT_S 120
#define DEFAULT_BOOT_TIMEOUT_S 300

/* Set by SIGINT/SIGTERM: workers finish the guest in hand and take no new one. */
static volatile sig_atomic_t interrupted;

int hvc_run_option(void *data, int val, const char *arg)
{
	struct hvc_run *run = data;

	switch (val) {
	case 'p':
		run->profile_name = arg;
		return 0;
	case HVC_OPT_ALL_GUESTS:
		run->all = true;
		return 0;
	case HVC_OPT_RESTART:
		run->restart = true;
		return 0;
	case HVC_OPT_BATCH:
	case HVC_OPT_MAX_FAILED:
	case HVC_OPT_RESTART_TIMEOUT:
	case HVC_OPT_CANARY:
	case HVC_OPT_FORCE_OFF:
		if (!run->restart_only)
			run->restart_only = hvc_option_find(val)->name;
		if (val == HVC_OPT_CANARY)
			run->canary = true;
		else if (val == HVC_OPT_FORCE_OFF)
			run->force_off = true;
		else if (val == HVC_OPT_BATCH)
			return hvc_number_option(arg, "--batch", 1, 256, &run->batch);
		else if (val == HVC_OPT_MAX_FAILED)
			return hvc_number_option(arg, "--max-failed", 1, 100000, &run->max_failed);
		else
			return hvc_number_option(
				arg, "--restart-timeout", 1, 3600, &run->restart_timeout_s);
		return 0;
	case HVC_OPT_WAIT_LOCK:
		return hvc_number_option(arg, "--wait-lock", 1, 86400, &run->wait_lock_s);
	case HVC_OPT_PROMETHEUS:
		if (!run->check || !*arg)
			break;
		run->check->prometheus = arg;
		return 0;
	case HVC_OPT_NAGIOS:
		if (!run->check)
			break;
		run->check->nagios = true;
		return 0;
	default:
		break;
	}
	return hvc_usage_error(run->cmd, "option '--%s' is not for %s%s",
		hvc_option_find(val)->name, run->cmd->name,
		val == HVC_OPT_PROMETHEUS && run->check ? " with an empty FILE" : "");
}

static void on_signal(int sig)
{
	/* Said at once (write(2) is async-signal-safe); the run may take a while to wind down. */
	static const char msg[] =
		"\nhvclock: interrupted: finishing the guests in flight, starting no other (a "
		"second "
		"signal stops at once, and may leave a guest being restarted shut off)\n";
	ssize_t n;

	(void)sig;
	interrupted = 1;
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
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

/* --- set-up --- */

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

#if HVC_HAS_SSH
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
#endif

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

/*
 * Why a guest named on the command line was not looked at (NULL: it was): exit 0 means
 * hvclock looked and found nothing to do, never that it could not look. A configured skip
 * is the operator's own decision, not counted.
 */
static const char *named_not_seen(const struct hvc_guest_plan *gp, enum hvc_engine_mode mode)
{
	const struct hvc_guest *g = gp->guest;

	if (!g || g->error || gp->status == HVC_PLAN_FAILED || gp->status == HVC_PLAN_BLOCKED)
		return NULL; /* already a failure */
	/* rollout and rollback: what was done host-side (a rollback of a shut-off guest) counts. */
	if (mode != HVC_ENGINE_PLAN && gp->result != HVC_RESULT_SKIPPED)
		return NULL;
	if (g->state != HVC_STATE_RUNNING && g->state != HVC_STATE_PAUSED)
		return "the guest is not running (start it first)";
	if (!g->persistent)
		return "transient guest: no persistent definition to change";
	if (gp->reach.inspect_error && !gp->reach.address)
		return gp->reach.inspect_error;
	return NULL;
}

static int exit_code(const struct hvc_run *run, const struct hvc_plan *plan)
{
	bool pending = false, waiting = false, failed = false;

	for (size_t i = 0; i < plan->n_hosts; i++)
		if (plan->hosts[i].error)
			failed = true; /* one host down is that host's error */

	for (size_t i = 0; i < plan->n + !!plan->host; i++) {
		const struct hvc_guest_plan *gp = i < plan->n ? &plan->guests[i] : plan->host;
		const char *why =
			i < plan->n && run->n_names > 0 ? named_not_seen(gp, run->mode) : NULL;

		if (why) {
			hvc_log_error("%s: named but not looked at: %s", gp->guest->name, why);
			failed = true;
		}
		if (run->mode != HVC_ENGINE_PLAN) {
			if (gp->result == HVC_RESULT_FAILED || gp->result == HVC_RESULT_NONE ||
				hvc_restart_failed(gp->restart))
				failed = true;
			continue;
		}
		if (gp->status == HVC_PLAN_FAILED || gp->status == HVC_PLAN_BLOCKED)
			failed = true;
		else if (gp->status == HVC_PLAN_PENDING)
			pending = true;
		else if (gp->status == HVC_PLAN_POWER_CYCLE)
			waiting = true;
	}
	return failed     ? HVC_EXIT_FAILED
		: pending ? HVC_EXIT_PENDING
		: waiting ? HVC_EXIT_WAITING
			  : HVC_EXIT_OK;
}

/*
 * The files guest access needs, checked once before anything is opened: a wrong -i or
 * --known-hosts is one line and exit 3, not the same failure for every guest.
 */
static int check_file(const char *what, const char *path, bool may_be_missing)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ENOENT && may_be_missing) {
		_cleanup_free_ char *dir = xstrdup(path);
		char *slash = strrchr(dir, '/');

		/* --accept-new creates it: its directory must be there. */
		if (slash)
			*(slash == dir ? slash + 1 : slash) = '\0';
		if (stat(slash ? dir : ".", &st) < 0 || !S_ISDIR(st.st_mode)) {
			hvc_log_error("%s: %s: its directory %s does not exist", path, what,
				slash ? dir : ".");
			return -1;
		}
		return 0;
	}
	if (fd < 0) {
		hvc_log_error("%s: cannot read %s: %s", path, what, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		hvc_log_error("%s: %s is not a regular file", path, what);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int check_access_files(const struct hvc_ctx *ctx, const struct hvc_config *cfg)
{
	const char *ident = ctx->identity ? ctx->identity : cfg->identity;
	const char *kh = ctx->known_hosts ? ctx->known_hosts : cfg->known_hosts;

	if (ident &&
		check_file("the identity file (-i, or identity = in hvclock.conf)", ident, false) <
			0)
		return -1;
	/* The default (in the state directory) is made on first use. */
	if (kh &&
		check_file("the known_hosts file (--known-hosts, or known-hosts = in "
			   "hvclock.conf)",
			kh, true) < 0)
		return -1;
	return 0;
}

/* --- the host row (Xen dom0) --- */

/* The first connection that offers a host row; a backend that fails to say is warned about. */
static struct hvc_guest *find_host(struct hvc_fleet *f, struct hvc_backend **ret_backend)
{
	for (size_t i = 0; i < f->n; i++) {
		struct hvc_error err = { 0 };
		struct hvc_guest *h = NULL;

		if (!f->backends[i])
			continue; /* a host that failed */
		if (hvc_backend_host(f->backends[i], &h, &err) < 0) {
			hvc_log_error("warning: no host row: %s", err.msg);
			continue;
		}
		if (h) {
			free_and_strdup(&h->host, f->hosts[i].name);
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
		/* -q with several hosts prints it as HOST/NAME. */
		_cleanup_free_ char *q =
			host && host->host ? xasprintf("%s/%s", host->host, host->name) : NULL;
		if (host &&
			(streq(names[i], host->name) || strcasecmp(names[i], host->uuid) == 0 ||
				streq_ptr(names[i], q)))
			found = true;
		else
			names[kept++] = names[i];
	}
	*n = kept;
	return found;
}

/*
 * Remedies with a dom0 part, but no host row here (a remote xen+ssh:// host,
 * or a test fleet): say that half of the remedy is left to a run in dom0.
 */
static void warn_dom0_elsewhere(const struct hvc_plan *plan, const struct hvc_guest *host)
{
	_cleanup_strv_free_ char **names = NULL;

	for (size_t i = 0; i < plan->n; i++) {
		const struct hvc_guest_plan *gp = &plan->guests[i];
		const struct hvc_profile *p = gp->decision.profile;
		/* The host row's own guests: their dom0 part is in that row. */
		if (host && streq_ptr(gp->guest->host, host->host))
			continue;
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

static void print_report(const struct hvc_run *run, const struct hvc_plan *plan)
{
	const struct hvc_ctx *ctx = run->ctx;
	enum hvc_engine_mode mode = run->mode;
	enum hvc_report_kind kind = mode == HVC_ENGINE_PLAN ? HVC_REPORT_PLAN
		: mode == HVC_ENGINE_ROLLOUT                ? HVC_REPORT_ROLLOUT
							    : HVC_REPORT_ROLLBACK;

	errno = 0; /* hvc_stdout_flush(): the cause of a failed write */
	if (ctx->json) {
		struct json_object *doc = hvc_report_plan_json(plan, kind);
		hvc_report_print_json(stdout, doc);
		json_object_put(doc);
	} else {
		struct hvc_report_opts o = {
			.verbose = ctx->verbose > 0,
			.quiet = ctx->quiet,
			.compact_over = hvc_compact_over(),
			.table = run->table,
		};
		hvc_report_plan_text(stdout, stderr, plan, kind, &o);
	}
	hvc_stdout_flush();
}

/*
 * The host row: dom0's scripts run through the local transport, with the same
 * limits as the guests'; a remote dom0's over SSH (cmd/jump.c). rollback touches the host only when it is named or
 * with --all-guests: other guests may still need it.
 */
static void run_host(const struct hvc_engine *e, const struct hvc_run *run,
	const struct hvc_config *cfg, const struct hvc_fleet_host *fh, struct hvc_plan *plan,
	struct hvc_guest *host, struct hvc_backend *b, bool named)
{
	struct hvc_transport_options o = { 0 };
	struct hvc_transport *t = NULL;
	struct hvc_error err = { 0 };

	if (run->mode == HVC_ENGINE_ROLLBACK && !run->all && !named)
		return;
	int r = hvc_host_remote_transport(cfg, fh, b->uri, e->transport, &t, &err);
	bool remote = r < 0 || t; /* local: 0 and no transport */

	if (r == 0 && !t) {
		set_limits(run->ctx, cfg, &o);
		hvc_local_transport_new(&o, &t, &err);
	}
	if (remote)
		hvc_guest_dom0_over_ssh(host);
	/* check: the host row always (its clock, time sync and symptoms). */
	hvc_engine_host(e, t, t ? NULL : err.msg, host, b, named || run->check, plan);
	if (remote && t && plan->host &&
		!plan->host->reach.inspect_error) /* reached: key checked */
		free_and_strdup(&plan->host->reach.identity_detail,
			"dom0 over SSH: its host key checked in known_hosts under its own name");
	hvc_transport_destroy(t);
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
	struct hvc_engine engine = { 0 };
	struct hvc_engine_target *targets = NULL;
	struct hvc_clock_check *checks = NULL;
	struct hvc_error terr = { 0 };
	struct hvc_jumps jumps = { 0 };
	struct hvc_guest *host = NULL;
	struct hvc_progress *progress;
	struct hvc_backend *host_backend = NULL;
	char **names = NULL;
	size_t n = 0, n_names = 0;
	bool host_named = false;
	int r = HVC_EXIT_CANNOT_START, lock_fd = -1;
	bool writes = run->mode != HVC_ENGINE_PLAN;

	if (run->all && run->n_names > 0)
		return hvc_usage_error(
			run->cmd, "give either --all-guests or guest names, not both");
	/* plan takes --all-guests for symmetry; without names it means the same. */
	if (writes && !run->all && run->n_names == 0)
		return hvc_usage_error(
			run->cmd, "no guests named: give guest names or --all-guests");
	if (run->restart_only && !run->restart)
		return hvc_usage_error(
			run->cmd, "option '--%s' needs --restart", run->restart_only);
	if (hvc_table_options(ctx, run->cmd, hvc_command_columns(run->cmd), &run->table) != 0)
		return HVC_EXIT_USAGE;
	if (hvc_ctx_load_config(ctx, &cfg) < 0)
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
	if (check_access_files(ctx, &cfg) < 0)
		goto out;
	hvc_engine_init(&engine, run->mode, &profiles);
	if (make_transport(ctx, &cfg, &engine.transport, &terr) < 0) {
		/*
		 * A build without SSH still plans host-side, and says so in every guest. No
		 * credentials is a set-up error: a plan of uninspected guests would look clean.
		 */
		if (writes || terr.code != -EOPNOTSUPP) {
			hvc_log_error("%s", terr.msg);
			goto out;
		}
		hvc_log_error("warning: guests will not be inspected: %s", terr.msg);
		engine.no_transport = terr.msg;
	}
	if (hvc_jumps_make(ctx, &cfg, engine.transport, &jumps, &terr) < 0) {
		hvc_log_error("%s", terr.msg);
		goto out;
	}
	if (writes && hvc_lock_take(&lock_fd, run->wait_lock_s) < 0)
		goto out;
	/* plan never writes: a read-only connection is enough and safer. */
	if (hvc_fleet_open(ctx, &cfg, !writes, true, &fleet) < 0)
		goto out;
	host = find_host(&fleet, &host_backend);
	if (host && !host->host) {
		/* Its dom0 part is planned from the guests of its own host only. */
		const struct hvc_fleet_host *fh = hvc_fleet_host_of(&fleet, host_backend);
		host->host = fh ? xstrdup(fh->name) : NULL;
	}
	names = xcalloc(run->n_names + 1, sizeof(*names));
	memcpy(names, run->names, run->n_names * sizeof(*names));
	n_names = run->n_names;
	host_named = take_host_name(host, names, &n_names);
	if (run->n_names > 0 && n_names == 0) {
		/* Only the host was named: no guest is selected (not "all of them"). */
	} else if (hvc_fleet_select(&fleet, names, n_names, &guests, &backends, &n) < 0)
		goto out;
	if (cfg.port)
		engine.default_port = cfg.port;
	engine.parallel = pick(ctx->parallel, cfg.parallel, engine.parallel);
	engine.wait_until_ms = hvc_now_ms() + 1000LL * ctx->wait_ssh_s;
	engine.stop = &interrupted;

	targets = xcalloc(n ? n : 1, sizeof(*targets));
	engine.check = run->check != NULL;
	if (run->check)
		checks = xcalloc(n ? n : 1, sizeof(*checks));
	for (size_t i = 0; i < n; i++) {
		const struct hvc_guest_config *gc =
			hvc_config_guest(&cfg, guests[i]->name, guests[i]->uuid);
		const struct hvc_fleet_host *fh = hvc_fleet_host_of(&fleet, backends[i]);
		targets[i] = (struct hvc_engine_target){
			.host = guests[i]->host,
			/* [host:] parallel wins for its host, then --parallel-per-host, then [run]. */
			.host_parallel = fh && fh->parallel
				? fh->parallel
				: pick(ctx->parallel_per_host, cfg.parallel_per_host, 0),
			.guest = guests[i],
			.backend = backends[i],
			.forced = forced            ? forced
				: gc && gc->profile ? hvc_profile_set_find(&profiles, gc->profile)
						    : NULL,
			.skip = gc && gc->skip,
			.config_address = gc ? gc->address : NULL,
			.cli_address = cli_address_for(ctx, guests[i]),
			.allow_unverified =
				ctx->no_verify_identity || (gc && gc->verify_identity == 0),
			.no_restart =
				!hvc_config_restart_allowed(&cfg, guests[i]->name, guests[i]->uuid),
			.check = checks ? &checks[i] : NULL,
			.transport = hvc_jumps_for(&jumps, fh),
		};
		/* Through the host: no more guests at once than its session has channels, so
		 * the others wait in the engine, not for a channel inside their connect timeout. */
		if (targets[i].transport &&
			(!targets[i].host_parallel ||
				targets[i].host_parallel > HVC_SSH_JUMP_CHANNELS))
			targets[i].host_parallel = HVC_SSH_JUMP_CHANNELS;
	}

	if (writes)
		install_signals();
	progress = hvc_progress_start(ctx, &engine, n);
	hvc_engine_run(&engine, targets, n, &plan);
	hvc_progress_stop(progress, &engine);
	if (host && !interrupted)
		run_host(&engine, run, &cfg, hvc_fleet_host_of(&fleet, host_backend), &plan, host,
			host_backend, host_named);
	/* One host row per run: the other hosts' guests' dom0 parts are left to a run there. */
	if (run->mode != HVC_ENGINE_ROLLBACK && !run->check && !interrupted)
		warn_dom0_elsewhere(&plan, host);
	if (run->restart) {
		struct hvc_restart_options ro = {
			.batch = run->batch ? run->batch : 1,
			.canary = run->canary,
			.max_failed = run->max_failed,
			.force_off = run->force_off,
			.down_timeout_s = run->restart_timeout_s ? run->restart_timeout_s
								 : DEFAULT_RESTART_TIMEOUT_S,
			/* --wait-ssh bounds the wait for the new boot too. */
			.up_timeout_s = ctx->wait_ssh_s ? ctx->wait_ssh_s : DEFAULT_BOOT_TIMEOUT_S,
		};
		hvc_engine_restart(&engine, targets, n, &ro, &plan);
	}

	hvc_fleet_plan_hosts(&fleet, &plan);
	if (run->check) {
		const char **unseen = xcalloc(plan.n + 1, sizeof(*unseen));

		for (size_t i = 0; i < plan.n; i++)
			if (run->n_names > 0)
				unseen[i] = named_not_seen(&plan.guests[i], HVC_ENGINE_PLAN);
		r = hvc_check_report(run, &cfg, &plan, checks, unseen);
		free(unseen);
		/* check's own exit codes stay; a failed host is said on stderr. */
		hvc_fleet_log_failed(&fleet);
		goto out;
	}
	print_report(run, &plan);
	if (writes) {
		_cleanup_strv_free_ char **warnings = NULL;
		hvc_state_record(&plan, run->mode == HVC_ENGINE_ROLLBACK, &warnings);
		STRV_FOREACH (w, warnings)
			hvc_log_error("warning: %s", *w);
	}
	if (interrupted)
		hvc_log_error(
			"interrupted: guests in flight were finished, the others were not reached");
	r = exit_code(run, &plan);

out:
	for (size_t i = 0; checks && i < n; i++)
		hvc_clock_check_finish(&checks[i]);
	free(checks);
	hvc_plan_finish(&plan);
	hvc_guest_free(host);
	free(names);
	free(targets);
	hvc_jumps_finish(&jumps);
	hvc_transport_destroy(engine.transport);
	hvc_engine_finish(&engine);
	free(guests);
	free(backends);
	hvc_fleet_close(&fleet);
	hvc_profile_set_finish(&profiles);
	hvc_config_finish(&cfg);
	if (lock_fd >= 0)
		close(lock_fd);
	return r;
}

int hvc_run_argv(struct hvc_ctx *ctx, const struct hvc_command *cmd, enum hvc_engine_mode mode,
	int argc, char **argv)
{
	struct hvc_run run = { .ctx = ctx, .cmd = cmd, .mode = mode };
	int r;

	if (hvc_options_parse(ctx, cmd, argc, argv, hvc_run_option, &run, &r) < 0)
		return r;
	run.names = argv + optind;
	run.n_names = (size_t)(argc - optind);
	return hvc_run(&run);
}
