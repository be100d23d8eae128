/* restart.c: rollout --restart: the restart each guest needs, staged in batches, and the verification after it. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "core/cmdline.h"
#include "core/restart.h"

HVC_ENUM_IMPL(hvc_restart_action, HVC_RESTART_ACTION_LAST, "none", "shutdown-start", "reboot",
	"force-off")
HVC_ENUM_IMPL(hvc_restart_result, HVC_RESTART_RESULT_LAST, "not-needed", "skipped", "not-started",
	"left-running", "failed", "restarted")
HVC_ENUM_IMPL(hvc_verify_result, HVC_VERIFY_LAST, "none", "verified", "failed")

/* How often the domain state is asked for while waiting for a shutdown. */
#define STATE_POLL_MS 250
/* A forced power-off is immediate; this only bounds a hypervisor that hangs. */
#define FORCE_OFF_TIMEOUT_MS (60 * 1000)

void hvc_restart_free(struct hvc_restart *rs)
{
	if (!rs)
		return;
	free(rs->reason);
	free(rs->boot_id_before);
	free(rs->boot_id_after);
	strv_free(rs->differences);
	free(rs);
}

bool hvc_restart_failed(const struct hvc_restart *rs)
{
	if (!rs)
		return false;
	switch (rs->result) {
	case HVC_RESTART_NOT_STARTED:
	case HVC_RESTART_LEFT_RUNNING:
	case HVC_RESTART_FAILED:
		return true;
	case HVC_RESTART_DONE:
		return rs->verification != HVC_VERIFY_VERIFIED;
	default:
		return false;
	}
}

enum hvc_restart_action hvc_restart_needed(const struct hvc_guest_plan *gp)
{
	bool power_cycle = false, reboot = false;

	for (size_t i = 0; i < gp->n_actions; i++) {
		const struct hvc_action *a = &gp->actions[i];
		if (a->result != HVC_RESULT_DEFERRED)
			continue;
		if (streq_ptr(a->takes_effect, "power-cycle"))
			power_cycle = true;
		else
			reboot = true;
	}
	/* A power-cycle boots every part of the guest again: it serves a reboot's change too. */
	return power_cycle ? HVC_RESTART_ACTION_SHUTDOWN_START
		: reboot   ? HVC_RESTART_ACTION_REBOOT
			   : HVC_RESTART_ACTION_NONE;
}

static void differ(char ***l, const char *fmt, ...) _printf_(2, 3);
static void differ(char ***l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	strv_consume(l, s);
}

/* The parameters a command-line action set and removed, against the running line. */
static void verify_cmdline(const struct hvc_action *a, const char *proc, char ***diffs)
{
	struct hvc_cmdline cl;

	if (!proc) {
		differ(diffs, "/proc/cmdline: not read");
		return;
	}
	hvc_cmdline_parse(&cl, proc);
	STRV_FOREACH (p, a->set) {
		_cleanup_free_ char *name = xstrndup(*p, strcspn(*p, "="));
		_cleanup_free_ char *want = strchr(*p, '=') ? xstrdup(strchr(*p, '=') + 1) : NULL;
		_cleanup_free_ char *got = hvc_cmdline_get_value(&cl, name);

		if (!hvc_cmdline_has(&cl, name))
			differ(diffs, "/proc/cmdline: %s missing", *p);
		else if (want && !streq_ptr(got, want))
			differ(diffs, "/proc/cmdline: %s wanted, %s=%s found", *p, name,
				strna(got));
	}
	STRV_FOREACH (p, a->remove) {
		_cleanup_free_ char *name = xstrndup(*p, strcspn(*p, "="));
		_cleanup_free_ char *got = hvc_cmdline_get_value(&cl, name);
		const char *eq = strchr(*p, '=');

		if (hvc_cmdline_has(&cl, name) && (!eq || streq_ptr(got, eq + 1)))
			differ(diffs, "/proc/cmdline: %s still there (removed by the plan)", *p);
	}
	hvc_cmdline_finish(&cl);
}

char **hvc_restart_verify(const struct hvc_guest_plan *gp, const struct hvc_facts *after)
{
	char **diffs = NULL;

	for (size_t i = 0; i < gp->n_actions; i++) {
		const struct hvc_action *a = &gp->actions[i];
		const char *live;

		if (a->check_only || a->result == HVC_RESULT_FAILED ||
			a->result == HVC_RESULT_SKIPPED || a->result == HVC_RESULT_NONE)
			continue;
		switch (a->kind) {
		case HVC_ACTION_HOST_CMDLINE:
		case HVC_ACTION_GUEST_BOOTLOADER:
			verify_cmdline(a, after->proc_cmdline, &diffs);
			break;
		case HVC_ACTION_LIVE_CLOCKSOURCE:
			if (a->after && !streq_ptr(after->current_clocksource, a->after))
				differ(&diffs, "current_clocksource: %s wanted, %s found", a->after,
					after->current_clocksource ? after->current_clocksource
								   : "nothing readable");
			break;
		case HVC_ACTION_SYSCTL:
			if (!a->key || !a->after)
				break;
			live = hvc_facts_sysctl_live(after, a->key);
			if (!streq_ptr(live, a->after))
				differ(&diffs, "sysctl %s: %s wanted, %s found", a->key, a->after,
					live ? live : "no value");
			break;
		default:
			break;
		}
	}
	return diffs;
}

static void set_result(struct hvc_restart *rs, enum hvc_restart_result r, const char *fmt, ...)
	_printf_(3, 4);
static void set_result(struct hvc_restart *rs, enum hvc_restart_result r, const char *fmt, ...)
{
	va_list ap;

	rs->result = r;
	free(rs->reason);
	va_start(ap, fmt);
	if (vasprintf(&rs->reason, fmt, ap) < 0)
		abort();
	va_end(ap);
}

/* --- reaching the guest again --- */

/* A guest object to inspect the new boot into: who it is and where to reach it, no facts. */
static struct hvc_guest *scratch_guest(const struct hvc_guest *g)
{
	struct hvc_guest *c = hvc_guest_new();

	c->backend = xstrdup_or_null(g->backend);
	c->uri = xstrdup_or_null(g->uri);
	c->name = xstrdup_or_null(g->name);
	memcpy(c->uuid, g->uuid, sizeof(c->uuid));
	c->state = HVC_STATE_RUNNING;
	c->persistent = g->persistent;
	c->hypervisor = g->hypervisor;
	c->type = g->type;
	c->boot = g->boot;
	if (g->has_record) {
		c->has_record = true;
		c->record.address = xstrdup_or_null(g->record.address);
		c->record.port = g->record.port;
	}
	return c;
}

/*
 * The domain's UUID now, by its name, from the hypervisor (never from the guest): xl gives a
 * domain whose configuration has no uuid= a new one at each start, a reboot included. The
 * identity check then compares the guest with the domain it is now.
 */
static void refresh_uuid(struct hvc_backend *b, struct hvc_guest *c)
{
	struct hvc_guest_list l = { 0 };
	struct hvc_error err = { 0 };

	/* Only where UUIDs change: a listing per probe is not free on a big remote host. */
	if (!b->impl->uuid_per_start || !c->name ||
		hvc_backend_list_guests(b, false, &l, &err) < 0) {
		hvc_guest_list_finish(&l);
		return;
	}
	for (size_t i = 0; i < l.n; i++)
		if (streq_ptr(l.guests[i]->name, c->name) && l.guests[i]->uuid[0])
			memcpy(c->uuid, l.guests[i]->uuid, sizeof(c->uuid));
	hvc_guest_list_finish(&l);
}

/*
 * Reach, inspect and verify the guest (trying "not yet" answers until
 * until_ms, as --wait-ssh does). 0 with *ret the inspected guest; < 0 with
 * *ret_why saying why not.
 */
static int probe(const struct hvc_engine *e, const struct hvc_engine_target *t, int64_t until_ms,
	struct hvc_guest **ret, char **ret_why)
{
	struct hvc_engine pe = *e;
	struct hvc_engine_target pt = *t;
	struct hvc_guest_plan sp = { 0 };
	struct hvc_session *s = NULL;
	int r;

	pt.guest = scratch_guest(t->guest);
	refresh_uuid(t->backend, pt.guest);
	sp.guest = pt.guest;
	pe.wait_until_ms = until_ms;
	/* Ctrl-C stops the run after the batch in flight: not in the middle of a restart. */
	pe.stop = NULL;
	r = hvc_engine_reach(&pe, &pt, &sp, &s);
	if (s)
		hvc_session_disconnect(pt.transport ? pt.transport : e->transport, s);
	if (r < 0) {
		free(*ret_why);
		*ret_why = xstrdup(
			sp.reach.inspect_error ? sp.reach.inspect_error : "cannot reach the guest");
		hvc_guest_free(pt.guest);
	} else {
		*ret = pt.guest;
	}
	hvc_reach_finish(&sp.reach);
	return r;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/*
 * After a reboot request: did the guest go down (stopped answering, or
 * answers from a new boot, then *ret is that boot) before until_ms? 0 yes,
 * -ETIMEDOUT when the old boot kept answering.
 */
static int wait_reboot_begins(const struct hvc_engine *e, const struct hvc_engine_target *t,
	const char *boot_id, int64_t until_ms, struct hvc_guest **ret)
{
	for (;;) {
		_cleanup_free_ char *why = NULL;
		struct hvc_guest *g = NULL;

		if (probe(e, t, 0, &g, &why) < 0)
			return 0; /* not answering: it is going down */
		if (!streq_ptr(g->facts.boot_id, boot_id)) {
			*ret = g;
			return 0;
		}
		hvc_guest_free(g);
		if (hvc_now_ms() + 1000 >= until_ms)
			return -ETIMEDOUT;
		sleep_ms(1000);
	}
}

/* Until until_ms: the guest answers over SSH from a boot other than boot_id. */
static int wait_new_boot(const struct hvc_engine *e, const struct hvc_engine_target *t,
	const char *boot_id, int64_t until_ms, struct hvc_guest **ret, char **ret_why)
{
	for (;;) {
		struct hvc_guest *g = NULL;

		if (probe(e, t, until_ms, &g, ret_why) == 0) {
			if (!streq_ptr(g->facts.boot_id, boot_id)) {
				*ret = g;
				return 0;
			}
			free(*ret_why);
			*ret_why = xasprintf(
				"it still answers from the old boot (boot id %s)", strna(boot_id));
			hvc_guest_free(g);
		}
		if (hvc_now_ms() + 1000 >= until_ms)
			return -ETIMEDOUT;
		sleep_ms(1000);
	}
}

/* --- one guest --- */

/* After a failed wait for a shutdown: start the guest if it is shut off; says what it did. */
static const char *start_if_off(struct hvc_backend *b, const struct hvc_guest *g)
{
	struct hvc_error err = { 0 };
	enum hvc_state st = HVC_STATE_UNKNOWN;

	if (hvc_backend_guest_state(b, g, &st, &err) < 0)
		return "it may be shut off: check it and start it";
	if (st != HVC_STATE_SHUTOFF)
		return "it is not shut off: left as it is";
	if (hvc_backend_power(b, g, HVC_POWER_START, &err) < 0)
		return "it is shut off and could not be started again: start it";
	return "it was shut off and has been started again";
}

static int power_off(struct hvc_backend *b, const struct hvc_guest *g, struct hvc_error *err)
{
	int r = hvc_backend_power(b, g, HVC_POWER_OFF, err);
	if (r >= 0)
		r = hvc_backend_wait_state(
			b, g, HVC_STATE_SHUTOFF, FORCE_OFF_TIMEOUT_MS, STATE_POLL_MS, err);
	return r;
}

/*
 * The rollout's result once the restart is known: what waited for it is in
 * effect (verified) or is not (failed, with the first difference).
 */
static void settle_guest(struct hvc_guest_plan *gp)
{
	const struct hvc_restart *rs = gp->restart;
	const char *how = hvc_restart_action_to_string(rs->action);

	if (rs->verification == HVC_VERIFY_VERIFIED) {
		for (size_t i = 0; i < gp->n_actions; i++)
			if (gp->actions[i].result == HVC_RESULT_DEFERRED)
				hvc_action_set_result(&gp->actions[i], HVC_RESULT_APPLIED,
					"in effect since the restart (%s), verified", how);
		gp->result = HVC_RESULT_APPLIED;
		free(gp->result_msg);
		gp->result_msg = xasprintf("restarted (%s) and verified", how);
	} else if (rs->verification == HVC_VERIFY_FAILED) {
		gp->result = HVC_RESULT_FAILED;
		free(gp->result_msg);
		gp->result_msg = xasprintf("restarted (%s), but the remedy is not in effect: %s",
			how, rs->differences && rs->differences[0] ? rs->differences[0] : "?");
	}
}

static void restart_guest(const struct hvc_engine *e, const struct hvc_engine_target *t,
	struct hvc_guest_plan *gp, const struct hvc_restart_options *o)
{
	struct hvc_restart *rs = gp->restart;
	struct hvc_guest *g = t->guest, *after = NULL;
	struct hvc_backend *b = t->backend;
	struct hvc_error err = { 0 };
	_cleanup_free_ char *why = NULL, *uuid_note = NULL;
	int64_t down_ms = 1000LL * o->down_timeout_s;
	bool reboot = rs->needed == HVC_RESTART_ACTION_REBOOT, start = !reboot;
	int r;

	/* Gracefully first: the guest's own shutdown or reboot, bounded. */
	rs->action = rs->needed;
	if (reboot) {
		r = hvc_backend_power(b, g, HVC_POWER_REBOOT, &err);
		if (r < 0) {
			set_result(rs, HVC_RESTART_FAILED, "%s", err.msg);
			return;
		}
		r = wait_reboot_begins(e, t, rs->boot_id_before, hvc_now_ms() + down_ms, &after);
	} else {
		r = hvc_backend_power(b, g, HVC_POWER_SHUTDOWN, &err);
		if (r < 0) {
			set_result(rs, HVC_RESTART_FAILED, "%s", err.msg);
			return;
		}
		r = hvc_backend_wait_state(b, g, HVC_STATE_SHUTOFF, down_ms, STATE_POLL_MS, &err);
		if (r < 0 && r != -ETIMEDOUT) {
			/* Asked to shut down, state unknown: it may be off now, and must not stay so. */
			set_result(rs, HVC_RESTART_FAILED,
				"shutdown requested, then its state could not be read: %s; %s",
				err.msg, start_if_off(b, g));
			return;
		}
	}
	if (r == -ETIMEDOUT) {
		const char *what = reboot ? "reboot" : "shut down";

		if (!o->force_off) {
			rs->action = HVC_RESTART_ACTION_NONE;
			set_result(rs, HVC_RESTART_LEFT_RUNNING,
				"did not %s within %d s (it ignores the request?): left running; "
				"--force-off powers it off after the timeout",
				what, o->down_timeout_s);
			return;
		}
		if (!hvc_backend_can_power(b, HVC_POWER_OFF) ||
			!hvc_backend_can_power(b, HVC_POWER_START)) {
			rs->action = HVC_RESTART_ACTION_NONE;
			set_result(rs, HVC_RESTART_LEFT_RUNNING,
				"did not %s within %d s: left running; not powered off, as the %s "
				"backend cannot start it again",
				what, o->down_timeout_s, b->impl->name);
			return;
		}
		rs->action = HVC_RESTART_ACTION_FORCE_OFF;
		hvc_error_clear(&err);
		if (power_off(b, g, &err) < 0) {
			set_result(rs, HVC_RESTART_FAILED, "did not %s within %d s; %s", what,
				o->down_timeout_s, err.msg);
			return;
		}
		start = true;
	}
	hvc_error_clear(&err);
	if (start && hvc_backend_power(b, g, HVC_POWER_START, &err) < 0) {
		set_result(rs, HVC_RESTART_FAILED, "left shut off: %s", err.msg);
		return;
	}

	/* Back on SSH from a new boot (--wait-ssh's machinery), inspected by the same engine. */
	if (!after &&
		wait_new_boot(e, t, rs->boot_id_before, hvc_now_ms() + 1000LL * o->up_timeout_s,
			&after, &why) < 0) {
		set_result(rs, HVC_RESTART_FAILED, "not back with a new boot within %d s: %s",
			o->up_timeout_s, strna(why));
		return;
	}
	rs->boot_id_after = xstrdup_or_null(after->facts.boot_id);
	if (!streq(after->uuid, g->uuid))
		uuid_note = xasprintf("; the domain came back with a new UUID %s (xl gives a "
				      "configuration without uuid= a new one at each start)",
			after->uuid);
	rs->differences = hvc_restart_verify(gp, &after->facts);
	rs->verification = rs->differences ? HVC_VERIFY_FAILED : HVC_VERIFY_VERIFIED;
	set_result(rs, HVC_RESTART_DONE, "%s; %s%s",
		rs->action == HVC_RESTART_ACTION_REBOOT ? "rebooted"
			: rs->action == HVC_RESTART_ACTION_FORCE_OFF
			? "powered off after the graceful timeout, started"
			: "shut down, started",
		rs->differences ? "the remedy is not in effect" : "the remedy is in effect",
		uuid_note ? uuid_note : "");
	hvc_guest_free(after);
	settle_guest(gp);
}

/* --- which guests, in which batches --- */

/* Why t's guest, which needs a restart, is never restarted here; NULL: it may be. */
static char *never_restart(const struct hvc_engine_target *t, const struct hvc_guest_plan *gp,
	enum hvc_restart_action needed)
{
	const struct hvc_guest *g = t->guest;
	enum hvc_power need =
		needed == HVC_RESTART_ACTION_REBOOT ? HVC_POWER_REBOOT : HVC_POWER_START;

	if (g->state == HVC_STATE_PAUSED)
		return xstrdup("the guest is paused: never restarted");
	if (!g->persistent)
		return xstrdup("transient guest: never restarted (a shutdown would end it)");
	if (t->no_restart)
		return xstrdup("restart = no in the configuration");
	if (g->state != HVC_STATE_RUNNING)
		return xasprintf("the guest is %s: the change takes effect when it starts",
			hvc_state_to_string(g->state));
	if (gp->reach.identity != HVC_IDENTITY_VERIFIED &&
		gp->reach.identity != HVC_IDENTITY_ALLOWED)
		return xstrdup("not reached over SSH: the remedy could not be verified after a "
			       "restart");
	if (!g->facts.boot_id)
		return xstrdup("the guest reports no boot id: a restart could not be proven");
	if (!hvc_backend_can_power(t->backend, need) ||
		(need == HVC_POWER_START && !hvc_backend_can_power(t->backend, HVC_POWER_SHUTDOWN)))
		return xasprintf("the %s backend cannot %s this guest", t->backend->impl->name,
			hvc_restart_action_to_string(needed));
	return NULL;
}

struct restart_job {
	const struct hvc_engine *e;
	const struct hvc_engine_target *t;
	struct hvc_guest_plan *gp;
	const struct hvc_restart_options *o;
	bool started; /* a worker took it (the pool starts none after Ctrl-C) */
};

static void restart_work(void *data, size_t i)
{
	struct restart_job *j = &((struct restart_job *)data)[i];

	j->started = true;
	restart_guest(j->e, j->t, j->gp, j->o);
}

/*
 * The guests of one batch at once, but no more of one host at once than its cap (the engine's
 * pool and rule: --parallel-per-host, [host:] parallel, a jump host's channels).
 */
static void run_batch(const struct hvc_engine *e, struct restart_job *jobs, size_t n)
{
	const struct hvc_engine_target **ts = xcalloc(n ? n : 1, sizeof(*ts));

	for (size_t i = 0; i < n; i++)
		ts[i] = jobs[i].t;
	hvc_engine_pool(e, ts, n, (int)n, restart_work, jobs);
	free(ts);
}

void hvc_engine_restart(const struct hvc_engine *e, const struct hvc_engine_target *targets,
	size_t n, const struct hvc_restart_options *o, struct hvc_plan *plan)
{
	struct restart_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	_cleanup_free_ char *stop_why = NULL;
	size_t n_jobs = 0, done = 0;
	int failed = 0;

	for (size_t i = 0; i < n && i < plan->n; i++) {
		struct hvc_guest_plan *gp = &plan->guests[i];
		struct hvc_restart *rs = xcalloc(1, sizeof(*rs));
		char *why;

		hvc_restart_free(gp->restart);
		gp->restart = rs;
		rs->needed = gp->result == HVC_RESULT_DEFERRED ? hvc_restart_needed(gp)
							       : HVC_RESTART_ACTION_NONE;
		rs->boot_id_before = xstrdup_or_null(targets[i].guest->facts.boot_id);
		/* Never restarted, whatever their rollout did: said so, not "not needed". */
		if (targets[i].guest->state == HVC_STATE_PAUSED || !targets[i].guest->persistent) {
			why = never_restart(&targets[i], gp, rs->needed);
			set_result(rs, HVC_RESTART_SKIPPED, "%s", why);
			free(why);
			continue;
		}
		if (rs->needed == HVC_RESTART_ACTION_NONE) {
			set_result(rs, HVC_RESTART_NOT_NEEDED, "%s",
				gp->result == HVC_RESULT_FAILED
					? "the rollout failed: not restarted"
					: gp->result == HVC_RESULT_NONE
					? "not reached: not restarted"
					: "nothing waits for a restart");
			continue;
		}
		why = never_restart(&targets[i], gp, rs->needed);
		if (why) {
			set_result(rs, HVC_RESTART_SKIPPED, "%s", why);
			free(why);
			continue;
		}
		jobs[n_jobs++] = (struct restart_job){ e, &targets[i], gp, o };
	}

	while (done < n_jobs) {
		size_t size = o->canary && done == 0 ? 1 : (size_t)(o->batch > 0 ? o->batch : 1);
		int batch_failed = 0;

		if (e->stop && *e->stop) {
			stop_why = xstrdup("not started: the run was interrupted");
			break;
		}
		if (size > n_jobs - done)
			size = n_jobs - done;
		run_batch(e, &jobs[done], size);
		/* Ctrl-C during the batch: the guests its per-host caps held back never start. */
		for (size_t i = done; i < done + size; i++) {
			if (jobs[i].started) {
				batch_failed += hvc_restart_failed(jobs[i].gp->restart);
				continue;
			}
			free(stop_why);
			stop_why = xstrdup("not started: the run was interrupted");
			set_result(jobs[i].gp->restart, HVC_RESTART_NOT_STARTED, "%s", stop_why);
		}
		failed += batch_failed;
		if (stop_why) { /* interrupted: that is the reason, whatever failed */
		} else if (o->canary && done == 0 && batch_failed) {
			stop_why = xasprintf("not started: the canary guest '%s' failed",
				jobs[0].gp->guest->name);
		} else if (o->max_failed > 0 && failed >= o->max_failed) {
			stop_why = xasprintf("not started: %d guest%s failed (--max-failed %d)",
				failed, failed == 1 ? "" : "s", o->max_failed);
		}
		done += size;
		if (stop_why)
			break;
	}
	for (size_t i = done; i < n_jobs; i++)
		set_result(jobs[i].gp->restart, HVC_RESTART_NOT_STARTED, "%s",
			stop_why ? stop_why : "not started");
	free(jobs);
}
