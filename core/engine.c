/* engine.c: the per-guest engine: reach, inspect, verify, plan, apply; the worker pool; the host row. */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "core/conffile.h"
#include "core/engine.h"
#include "core/guestscript.h"
#include "core/rollout.h"
#include "core/state.h"

#define DEFAULT_PARALLEL 16

/* One guest's work, done by one worker; everything in it belongs to that worker. */
struct job {
	const struct hvc_engine_target *t;
	struct hvc_guest_plan *gp; /* hvc_engine_run()'s; NULL in hvc_engine_pool()'s */
	size_t index; /* in the caller's order */
	size_t host; /* index into pool.hosts */
	bool started;
};

/* A host of the run: its guests in flight, its cap, whether its connection was lost. */
struct pool_host {
	const char *name; /* borrowed; NULL: the guests that name none */
	int in_flight;
	int cap; /* 0: none */
	bool lost;
};

struct pool {
	const struct hvc_engine *e;
	struct job *jobs;
	size_t n_jobs;
	struct pool_host *hosts;
	size_t n_hosts;
	pthread_mutex_t lock;
	pthread_cond_t slot; /* a guest ended: a host slot may be free */
	pthread_cond_t settle; /* a worker took a guest, waits or ended (e->test_max_per_host) */
	int workers, busy, waiting, ended; /* workers: started or being started */
	/* One job's work, called without lock; NULL: the engine's guest (engine_job()). */
	void (*work)(void *data, size_t index);
	void *data;
};

static bool stopped(const struct hvc_engine *e)
{
	return e->stop && *e->stop;
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

void hvc_engine_init(
	struct hvc_engine *e, enum hvc_engine_mode mode, const struct hvc_profile_set *profiles)
{
	*e = (struct hvc_engine){
		.mode = mode,
		.profiles = profiles,
		.default_port = 22,
		.parallel = DEFAULT_PARALLEL,
		.sysctl_keys = all_sysctl_keys(profiles),
	};
}

void hvc_engine_finish(struct hvc_engine *e)
{
	strv_free(e->sysctl_keys);
	e->sysctl_keys = NULL;
}

/* --- reaching a guest --- */

static struct hvc_transport *target_transport(
	const struct hvc_engine *e, const struct hvc_engine_target *t)
{
	return t->transport ? t->transport : e->transport;
}

/*
 * Where to reach a guest: --guest-address, config, domain metadata, then the
 * hypervisor's first usable address (the ones refused go to reach).
 */
static int resolve_address(const struct hvc_engine_target *t, struct hvc_guest_plan *gp,
	char **ret_host, unsigned *ret_port, char **ret_source)
{
	struct hvc_guest *g = t->guest;
	struct hvc_reach *reach = &gp->reach;
	struct hvc_error err = { 0 };
	struct hvc_guest_address *addrs = NULL;
	unsigned n = 0;
	int r = -ENOENT;

	*ret_port = 0;
	if (t->cli_address) {
		*ret_source = xstrdup("--guest-address");
		return hvc_parse_address(t->cli_address, ret_host, ret_port);
	}
	if (t->config_address) {
		*ret_source = xstrdup("configuration");
		return hvc_parse_address(t->config_address, ret_host, ret_port);
	}
	if (g->has_record && g->record.address) {
		*ret_source = xstrdup("domain metadata");
		if (hvc_parse_address(g->record.address, ret_host, ret_port) < 0)
			return -EINVAL;
		if (g->record.port)
			*ret_port = (unsigned)g->record.port;
		return 0;
	}
	if (hvc_backend_guest_addresses(t->backend, g, &addrs, &n, &err) < 0) {
		free_and_strdup(&reach->inspect_error, err.msg);
		reach->error_kind = HVC_ERRKIND_BACKEND;
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
	bool check, struct hvc_guest *g, char **ret_error)
{
	struct hvc_error err = { 0 };
	struct hvc_exec_result res = { 0 };
	_cleanup_free_ char *request = NULL;
	size_t len;
	int r;

	request = hvc_inspect_request_check(sysctl_keys, g->is_host, check,
		hvc_guest_deadline_s(t->options.command_timeout_ms), &len);
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
static int verify_identity(const struct hvc_engine *e, const struct hvc_engine_target *t,
	struct hvc_guest_plan *gp, struct hvc_session *session)
{
	struct hvc_guest *g = t->guest;
	struct hvc_reach *reach = &gp->reach;
	struct hvc_error err = { 0 };

	free(reach->identity_detail);
	reach->identity = hvc_identity_check(
		g->uuid, &g->facts, t->allow_unverified, &reach->identity_detail);
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
		reach->error_kind = HVC_ERRKIND_IDENTITY;
		return -EPERM;
	}
	if (hvc_session_pin_key(target_transport(e, t), session, &err) < 0) {
		free_and_strdup(&reach->inspect_error, err.msg);
		reach->error_kind = hvc_error_kind_of(err.code, HVC_ERRKIND_HOST_KEY);
		return -EIO;
	}
	return 0;
}

/* Connect, inspect, verify; on success *ret_session is open. Failures go to reach. */
static int reach_and_inspect(const struct hvc_engine *e, const struct hvc_engine_target *t,
	struct hvc_guest_plan *gp, struct hvc_session **ret_session)
{
	struct hvc_reach *reach = &gp->reach;
	struct hvc_error err = { 0 };
	_cleanup_free_ char *host = NULL, *source = NULL;
	unsigned port;
	bool resolved = false;
	int r;

	*ret_session = NULL;
	if (!target_transport(e, t)) {
		reach->inspect_error =
			xstrdup(e->no_transport ? e->no_transport : "no guest access");
		reach->error_kind = HVC_ERRKIND_NO_ACCESS;
		return -EOPNOTSUPP;
	}
	if (t->guest->state == HVC_STATE_PAUSED) {
		reach->inspect_error = xstrdup("the guest is paused");
		reach->error_kind = HVC_ERRKIND_PAUSED;
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
		r = resolve_address(t, gp, &host, &port, &source);
		if (r == 0) {
			resolved = true;
			if (!port)
				port = e->default_port;
			/* The key is pinned to the domain, not to the address (HostKeyAlias). */
			r = hvc_transport_connect_as(target_transport(e, t), host, port,
				t->guest->uuid[0] ? t->guest->uuid : NULL, ret_session, &err);
		}
		/* "Not yet" answers only: no lease yet, nothing listening yet, no banner yet. */
		again = ((!resolved && r == -ENOENT) ||
				(resolved &&
					(r == -ECONNREFUSED || r == -ETIMEDOUT ||
						r == -EHOSTUNREACH || r == -ECONNRESET))) &&
			!stopped(e) && hvc_now_ms() + 1000 < e->wait_until_ms;
		if (!again)
			break;
		free(reach->inspect_error);
		reach->inspect_error = NULL;
		reach->error_kind = HVC_ERRKIND_NONE;
		sleep(1);
	}
	if (!resolved && r == -ENOENT) {
		reach->error_kind = HVC_ERRKIND_NO_ADDRESS;
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
		if (!reach->inspect_error) {
			reach->inspect_error = xstrdup("the recorded address is invalid");
			reach->error_kind = HVC_ERRKIND_CONFIG;
		}
		return r;
	}
	reach->address = strchr(host, ':') ? xasprintf("[%s]:%u", host, port)
					   : xasprintf("%s:%u", host, port);
	reach->address_source = TAKE_PTR(source);
	if (*ret_session && (*ret_session)->via)
		reach->jump = xstrdup((*ret_session)->via);
	if (!*ret_session) {
		reach->inspect_error = xstrdup(err.msg);
		reach->error_kind = hvc_error_kind_of(err.code, HVC_ERRKIND_UNREACHABLE);
		return -EIO;
	}
	r = inspect(target_transport(e, t), *ret_session, e->sysctl_keys, e->check, t->guest,
		&reach->inspect_error);
	if (r < 0)
		reach->error_kind = hvc_error_kind_of(r, HVC_ERRKIND_GUEST_SCRIPT);
	if (r >= 0)
		r = verify_identity(e, t, gp, *ret_session);
	if (r < 0) {
		hvc_session_disconnect(target_transport(e, t), *ret_session);
		*ret_session = NULL;
	}
	return r;
}

int hvc_engine_reach(const struct hvc_engine *e, const struct hvc_engine_target *t,
	struct hvc_guest_plan *gp, struct hvc_session **ret_session)
{
	return reach_and_inspect(e, t, gp, ret_session);
}

/* The host's CLOCK_REALTIME in ns. */
static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * `hvclock check`: HVC_CHECK_SAMPLES clock samples over the guest's session, NTP-style:
 * the host's time before and after each exec of the constant time request bounds the
 * moment the guest read its clock. The first failure ends the sampling (sample_error).
 */
static void sample_clock(struct hvc_transport *t, struct hvc_session *s, struct hvc_clock_check *c)
{
	for (int i = 0; i < HVC_CHECK_SAMPLES; i++) {
		struct hvc_exec_result res = { 0 };
		struct hvc_error err = { 0 };
		int64_t t0, t1, g = 0;
		bool whole = false;
		int r;

		t0 = realtime_ns();
		r = hvc_session_exec(t, s, HVC_GUEST_COMMAND, hvc_time_request,
			hvc_time_request_len, &res, &err);
		t1 = realtime_ns();
		if (r >= 0 && res.exit_status != 0)
			r = hvc_error_set(&err, -EIO, "the clock sample exited with status %d",
				res.exit_status);
		if (r >= 0)
			r = hvc_time_parse(res.out, res.out_len, &g, &whole, &err);
		hvc_exec_result_finish(&res);
		if (r < 0) {
			free_and_strdup(&c->sample_error, err.msg);
			return;
		}
		hvc_clock_check_add_sample(c, t0, g, t1, whole);
	}
}

/* --- one guest --- */

void hvc_engine_guest(
	const struct hvc_engine *e, const struct hvc_engine_target *t, struct hvc_guest_plan *gp)
{
	struct hvc_guest *g = t->guest;
	struct hvc_session *session = NULL;
	struct hvc_guest_access access = { .transport = target_transport(e, t) };
	bool needs_guest;
	int r;

	if (g->error) {
		hvc_plan_guest_failed(g, HVC_ERRKIND_BACKEND, g->error, gp);
		goto finish;
	}
	if (t->skip) {
		hvc_plan_guest_skipped(g, "skipped by the configuration file", gp);
		goto finish;
	}
	/* Guests that will be skipped anyway are not worth a connection. */
	needs_guest =
		(g->state == HVC_STATE_RUNNING || g->state == HVC_STATE_PAUSED) && g->persistent;
	r = needs_guest ? reach_and_inspect(e, t, gp, &session) : 0;
	if (r == -EPERM) {
		/* Not the guest meant, or it cannot say: touch neither it nor its domain. */
		_cleanup_free_ char *why = xstrdup(gp->reach.inspect_error);
		hvc_plan_guest_failed(g, gp->reach.error_kind, why, gp);
		gp->status = HVC_PLAN_BLOCKED;
		goto finish;
	}
	if (r < 0 && gp->reach.address && g->state != HVC_STATE_PAUSED) {
		/* An address was known but the guest could not be inspected: that is a failure. */
		_cleanup_free_ char *why = xasprintf("not inspected: %s", gp->reach.inspect_error);
		hvc_plan_guest_failed(g, gp->reach.error_kind, why, gp);
		goto finish;
	}

	hvc_state_load_recorded(g);
	access.session = session;
	access.why_not = gp->reach.inspect_error;
	access.why_not_kind = gp->reach.error_kind;
	if (e->mode == HVC_ENGINE_ROLLBACK) {
		hvc_rollback_plan_guest(g, gp);
		hvc_rollback_guest(t->backend, gp, &access);
		goto finish;
	}
	hvc_plan_guest(e->profiles, g, t->forced, gp);
	if (e->check && t->check && session)
		sample_clock(target_transport(e, t), session, t->check);
	if (e->mode == HVC_ENGINE_ROLLOUT)
		hvc_rollout_guest(t->backend, gp, &access);
finish:
	/* Guests that failed or were skipped before planning still need their result. */
	if (e->mode != HVC_ENGINE_PLAN && gp->result == HVC_RESULT_NONE)
		hvc_rollout_guest(t->backend, gp, &access);
	if (session)
		hvc_session_disconnect(target_transport(e, t), session);
}

static bool host_full(const struct pool_host *h)
{
	return h->cap > 0 && h->in_flight >= h->cap;
}

/* The first guest not started whose host has a free slot; NULL: none now. Under p->lock. */
static struct job *next_job(struct pool *p, bool *ret_more)
{
	*ret_more = false;
	for (size_t i = 0; i < p->n_jobs; i++) {
		struct job *j = &p->jobs[i];
		if (j->started)
			continue;
		if (!host_full(&p->hosts[j->host]))
			return j;
		*ret_more = true;
	}
	return NULL;
}

/* Tests: wait until no worker can take another guest, then count. Under p->lock. */
static void test_settle(struct pool *p)
{
	while (p->busy + p->waiting + p->ended < p->workers)
		pthread_cond_wait(&p->settle, &p->lock);
	for (size_t h = 0; h < p->n_hosts; h++)
		if (p->hosts[h].in_flight > *p->e->test_max_per_host)
			*p->e->test_max_per_host = p->hosts[h].in_flight;
}

static void fail_lost(const struct job *j, const char *host)
{
	_cleanup_free_ char *why = xasprintf(
		"not reached: connection to host %s lost", host ? host : j->t->backend->uri);

	hvc_plan_guest_failed(j->t->guest, HVC_ERRKIND_UNREACHABLE, why, j->gp);
	j->gp->result = HVC_RESULT_FAILED;
	free_and_strdup(&j->gp->result_msg, why);
}

/* The engine's guest, in a worker (p->lock not held): the host's connection, then the guest. */
static void engine_job(struct pool *p, struct job *j)
{
	struct pool_host *h = &p->hosts[j->host];
	int64_t taken_ms = hvc_now_ms();

	if (p->e->progress)
		p->e->progress(p->e->progress_data, false, false);
	/* Asked before each guest: a lost host's guests are not started. */
	pthread_mutex_lock(&p->lock);
	if (!h->lost) {
		pthread_mutex_unlock(&p->lock);
		bool alive = hvc_backend_alive(j->t->backend);
		pthread_mutex_lock(&p->lock);
		if (!alive)
			h->lost = true;
	}
	if (h->lost) {
		fail_lost(j, h->name);
		pthread_mutex_unlock(&p->lock);
	} else {
		pthread_mutex_unlock(&p->lock);
		hvc_engine_guest(p->e, j->t, j->gp);
	}
	j->gp->elapsed_ms = hvc_now_ms() - taken_ms;
	if (p->e->progress)
		p->e->progress(p->e->progress_data, true,
			j->gp->status == HVC_PLAN_FAILED || j->gp->status == HVC_PLAN_BLOCKED ||
				j->gp->result == HVC_RESULT_FAILED);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct job *j = NULL;
		struct pool_host *h;
		bool more = false;

		if (!stopped(p->e))
			j = next_job(p, &more);
		if (!j && more) {
			/* Every guest left is on a host with no free slot: wait for one to end. */
			p->waiting++;
			pthread_cond_broadcast(&p->settle);
			pthread_cond_wait(&p->slot, &p->lock);
			p->waiting--;
			continue;
		}
		if (!j)
			break;
		h = &p->hosts[j->host];
		j->started = true;
		h->in_flight++;
		p->busy++;
		pthread_cond_broadcast(&p->settle);
		if (p->e->test_max_per_host)
			test_settle(p);
		pthread_mutex_unlock(&p->lock);
		if (p->work)
			p->work(p->data, j->index);
		else
			engine_job(p, j);
		pthread_mutex_lock(&p->lock);
		h->in_flight--;
		p->busy--;
		pthread_cond_broadcast(&p->slot);
	}
	p->ended++;
	pthread_cond_broadcast(&p->settle);
	pthread_mutex_unlock(&p->lock);
	return NULL;
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
	p->workers = n;
	for (int i = 0; i < n; i++)
		if (pthread_create(&threads[started], NULL, worker, p) == 0)
			started++;
	if (started < n) {
		pthread_mutex_lock(&p->lock);
		p->workers = started ? started : 1;
		pthread_cond_broadcast(&p->settle);
		pthread_mutex_unlock(&p->lock);
	}
	if (started == 0)
		worker(p);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	free(threads);
}

/* The host of each job: one pool_host per distinct target->host, its cap the largest given. */
static void pool_hosts(struct pool *p)
{
	p->hosts = xcalloc(p->n_jobs + 1, sizeof(*p->hosts));
	for (size_t i = 0; i < p->n_jobs; i++) {
		const struct hvc_engine_target *t = p->jobs[i].t;
		size_t h;

		for (h = 0; h < p->n_hosts; h++)
			if (streq_ptr(p->hosts[h].name, t->host))
				break;
		if (h == p->n_hosts)
			p->hosts[p->n_hosts++] = (struct pool_host){ .name = t->host };
		if (t->host_parallel > p->hosts[h].cap)
			p->hosts[h].cap = t->host_parallel;
		p->jobs[i].host = h;
	}
}

/* p's jobs (filled in) in at most parallel workers, under the per-host caps. */
static void run_jobs(struct pool *p, int parallel)
{
	pool_hosts(p);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->slot, NULL);
	pthread_cond_init(&p->settle, NULL);
	run_pool(p, parallel);
	pthread_cond_destroy(&p->settle);
	pthread_cond_destroy(&p->slot);
	pthread_mutex_destroy(&p->lock);
}

void hvc_engine_pool(const struct hvc_engine *e, const struct hvc_engine_target *const *targets,
	size_t n, int parallel, void (*work)(void *data, size_t index), void *data)
{
	struct pool pool = { .e = e, .n_jobs = n, .work = work, .data = data };

	pool.jobs = xcalloc(n ? n : 1, sizeof(*pool.jobs));
	for (size_t i = 0; i < n; i++)
		pool.jobs[i] = (struct job){ .t = targets[i], .index = i };
	run_jobs(&pool, parallel);
	free(pool.hosts);
	free(pool.jobs);
}

void hvc_engine_run(const struct hvc_engine *e, const struct hvc_engine_target *targets, size_t n,
	struct hvc_plan *plan)
{
	struct pool pool = { .e = e, .n_jobs = n };

	assert(plan->n == 0);
	pool.jobs = xcalloc(n ? n : 1, sizeof(*pool.jobs));
	for (size_t i = 0; i < n; i++) {
		pool.jobs[i].t = &targets[i];
		pool.jobs[i].index = i;
		hvc_plan_add(plan);
	}
	/* plan->guests may have moved while growing: point the jobs at the final array. */
	for (size_t i = 0; i < n; i++)
		pool.jobs[i].gp = &plan->guests[i];
	run_jobs(&pool, e->parallel);
	for (size_t i = 0; i < n; i++)
		if (!pool.jobs[i].started) {
			struct hvc_guest_plan *gp = &plan->guests[i];
			gp->guest = targets[i].guest;
			gp->status = HVC_PLAN_SKIPPED;
			gp->status_reason = xstrdup("not reached: the run was interrupted");
			gp->result = HVC_RESULT_NONE;
			gp->result_msg = xstrdup("not reached: the run was interrupted");
			gp->error_kind = HVC_ERRKIND_INTERRUPTED;
		}
	free(pool.hosts);
	free(pool.jobs);
}

/* --- the host row (Xen dom0) --- */

void hvc_engine_host(const struct hvc_engine *e, struct hvc_transport *t, const char *no_local,
	struct hvc_guest *host, struct hvc_backend *b, bool named, struct hvc_plan *plan)
{
	struct hvc_session *s = NULL;
	struct hvc_error err = { 0 };
	struct hvc_guest_access access = { 0 };
	_cleanup_free_ char *why = NULL;
	enum hvc_error_kind kind = HVC_ERRKIND_NONE;
	int64_t start_ms = hvc_now_ms();
	int r;

	if (!t) {
		why = xasprintf("cannot run the scripts in dom0: %s",
			no_local ? no_local : "no local transport");
		kind = HVC_ERRKIND_NO_ACCESS;
	} else if ((r = hvc_transport_connect(t, NULL, 0, &s, &err)) < 0) {
		why = xasprintf("cannot run the scripts in dom0: %s", err.msg);
		kind = hvc_error_kind_of(r, HVC_ERRKIND_GUEST_SCRIPT);
	} else if ((r = inspect(t, s, e->sysctl_keys, e->check, host, &why)) < 0) {
		kind = hvc_error_kind_of(r, HVC_ERRKIND_GUEST_SCRIPT);
		hvc_session_disconnect(t, s);
		s = NULL;
	}
	access = (struct hvc_guest_access){
		.transport = t, .session = s, .why_not = why, .why_not_kind = kind
	};

	if (e->mode == HVC_ENGINE_ROLLBACK) {
		plan->host = xcalloc(1, sizeof(*plan->host));
		if (why) {
			_cleanup_free_ char *reason = xasprintf("not inspected: %s", why);
			hvc_plan_guest_failed(host, kind, reason, plan->host);
			plan->host->reach.inspect_error =
				xstrdup(why); /* as a guest's, and plan's */
			plan->host->reach.error_kind = kind;
		} else {
			hvc_rollback_plan_guest(host, plan->host);
		}
		hvc_rollback_guest(b, plan->host, &access);
	} else {
		hvc_plan_host(plan, host, named);
		if (plan->host && why) {
			_cleanup_free_ char *reason = xasprintf("not inspected: %s", why);
			hvc_guest_plan_finish(plan->host);
			hvc_plan_guest_failed(host, kind, reason, plan->host);
			plan->host->reach.inspect_error = xstrdup(why);
			plan->host->reach.error_kind = kind;
		}
		if (plan->host && e->mode == HVC_ENGINE_ROLLOUT)
			hvc_rollout_guest(b, plan->host, &access);
	}
	if (s)
		hvc_session_disconnect(t, s);
	if (plan->host) {
		plan->host->reach.identity = HVC_IDENTITY_LOCAL;
		plan->host->elapsed_ms = hvc_now_ms() - start_ms;
	}
}
