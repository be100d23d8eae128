/*
 * engine.h: the per-guest engine. For each selected guest, in a bounded pool of
 * workers: reach it (address, transport, host key), inspect it, verify it is the
 * domain meant, plan, and (rollout/rollback) carry the plan out; then the host
 * row (Xen dom0) through the local transport. Driven only through the backend
 * (core/backend.h) and transport (core/transport.h) interfaces: the caller opens
 * the backends and creates the transports, and renders the result.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/backend.h"
#include "core/check.h"
#include "core/plan.h"
#include "core/profile.h"
#include "core/transport.h"

enum hvc_engine_mode {
	HVC_ENGINE_PLAN, /* reach, inspect, plan; change nothing */
	HVC_ENGINE_ROLLOUT, /* ... then apply and read back */
	HVC_ENGINE_ROLLBACK, /* reach, inspect, plan the undo from the records, carry it out */
};

/* What every guest of one run shares. Read-only while the engine runs. */
struct hvc_engine {
	enum hvc_engine_mode mode;
	const struct hvc_profile_set *profiles; /* borrowed */
	struct hvc_transport *transport; /* borrowed; NULL: guests are not reached */
	const char *no_transport; /* why transport is NULL, for the report (borrowed) */
	unsigned default_port; /* for an address without one (hvc_engine_init(): 22) */
	int parallel; /* at most this many workers (hvc_engine_init(): 16) */
	int64_t wait_until_ms; /* hvc_now_ms() clock: keep trying "not yet" guests until then */
	const volatile sig_atomic_t *stop; /* when set, take no new guest (may be NULL) */
	char **sysctl_keys; /* every key a profile sets or asks about (owned) */
	/* `hvclock check` (mode PLAN): the inspection adds the time sync tools' output, and each
	 * reached guest gets HVC_CHECK_SAMPLES clock samples over its session (target->check). */
	bool check;
	/*
	 * hvc_engine_run(): called by a worker as it takes a guest (done false) and when it is
	 * through with it (done true; failed: the guest failed or is blocked). From several
	 * threads at once: keep it short and thread-safe. NULL: not called.
	 */
	void (*progress)(void *data, bool done, bool failed);
	void *progress_data;
	/*
	 * Tests only (tests/unit/test-engine.c); NULL: off. Each guest starts only once every
	 * worker has a guest, waits for a slot of its host or has ended, and the most guests of
	 * one host in flight at that moment is stored here: the per-host cap, without timing.
	 */
	int *test_max_per_host;
};

/* Defaults, and the sysctl keys the inspection asks about from profiles. */
void hvc_engine_init(
	struct hvc_engine *e, enum hvc_engine_mode mode, const struct hvc_profile_set *profiles);
void hvc_engine_finish(struct hvc_engine *e);

/* One selected guest and what the caller's options and configuration say about it. */
struct hvc_engine_target {
	struct hvc_guest *guest; /* borrowed: facts and records are filled in */
	struct hvc_backend *backend; /* borrowed: the guest's connection */
	const struct hvc_profile *forced; /* --profile or the configuration's; NULL: policy */
	bool skip; /* skip = yes in the configuration */
	const char *cli_address; /* HOST[:PORT] from --guest-address, or NULL */
	const char *config_address; /* HOST[:PORT] from the configuration, or NULL */
	bool allow_unverified; /* a guest that reports no UUID may be changed */
	bool no_restart; /* restart = no in the configuration: rollout --restart leaves it */
	struct hvc_clock_check *check; /* e->check: the clock samples go here (the caller's) */
	/* How this guest is reached (borrowed): e.g. through its host (a jump); NULL:
	 * e->transport. A session made through a host says so in its via. */
	struct hvc_transport *transport;
	const char *host; /* the label of the guest's host (borrowed); NULL: one host */
	int host_parallel; /* at most this many guests of host at once; 0: only e->parallel */
};

/*
 * One guest, whole, in the calling thread: gp (zeroed) gets its reach,
 * facts, decision, actions and results; the session ends before it returns.
 * Per-guest problems never fail the call: they are gp's status and reasons.
 */
void hvc_engine_guest(
	const struct hvc_engine *e, const struct hvc_engine_target *t, struct hvc_guest_plan *gp);

/*
 * Reach t's guest, inspect it and verify it is the domain meant, as
 * hvc_engine_guest() does (the address, --wait-ssh's retries until
 * e->wait_until_ms, the host key, the identity): gp->reach (zeroed) gets what
 * was found, t->guest->facts the inspection. 0 with *ret_session open, or a
 * negative errno with gp->reach.inspect_error saying why.
 */
int hvc_engine_reach(const struct hvc_engine *e, const struct hvc_engine_target *t,
	struct hvc_guest_plan *gp, struct hvc_session **ret_session);

/*
 * Every target in a pool of at most e->parallel threads (fewer if threads
 * cannot be started; none: the calling thread works). plan must have no guests;
 * plan->guests[i] is targets[i]'s, so the report order is fixed before any work.
 * A worker takes the first guest not started whose host (target->host) has fewer
 * than target->host_parallel guests in flight. Guests not started because e->stop
 * was set are skipped, result none, "not reached: the run was interrupted". Before
 * each guest the host's connection is asked (hvc_backend_alive()); once it is lost,
 * that host's guests not yet started fail "not reached: connection to host H lost".
 */
void hvc_engine_run(const struct hvc_engine *e, const struct hvc_engine_target *targets, size_t n,
	struct hvc_plan *plan);

/*
 * The same worker pool for another phase over the targets (rollout --restart's batches,
 * core/restart.c): work(data, i) for each targets[i], in at most parallel threads, a worker
 * taking the first one not started whose host has a free slot (hvc_engine_run()'s per-host
 * rule: target->host, target->host_parallel). Once e->stop is set no further one starts (the
 * caller tells them apart: work() was not called); e->test_max_per_host is honoured.
 */
void hvc_engine_pool(const struct hvc_engine *e, const struct hvc_engine_target *const *targets,
	size_t n, int parallel, void (*work)(void *data, size_t index), void *data);

/*
 * The host row, after the guests: inspect host (is_host, from the backend's
 * host()) through local, a session of the local transport (NULL: no_local says
 * why, and the row fails with it), then plan it from the [host] parts of the
 * remedies chosen for plan's guests (hvc_plan_host(); named: the host was named
 * on the command line), or the undo from its records, and carry it out through
 * b. Sets plan->host (or leaves it NULL when there is nothing for the host).
 */
void hvc_engine_host(const struct hvc_engine *e, struct hvc_transport *local, const char *no_local,
	struct hvc_guest *host, struct hvc_backend *b, bool named, struct hvc_plan *plan);
