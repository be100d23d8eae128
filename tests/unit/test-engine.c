/* test-engine.c: the engine's worker pool: the per-host cap, a host whose connection is lost,
 * the time each guest holds a worker. */
#include <errno.h>
#include <time.h>

#include "core/engine.h"
#include "tests/harness.h"

/*
 * Guests whose listing failed (g->error) are planned without a backend or a transport: the
 * pool's scheduling is all that runs. hosts[i] is guest i's host label.
 */
static void run(const char *const *hosts, size_t n, int parallel, int per_host,
	struct hvc_backend *b, int *ret_max, struct hvc_plan *plan)
{
	struct hvc_profile_set set = { 0 };
	struct hvc_engine e;
	struct hvc_engine_target *t = xcalloc(n, sizeof(*t));
	struct hvc_guest **g = xcalloc(n, sizeof(*g));

	hvc_engine_init(&e, HVC_ENGINE_PLAN, &set);
	e.parallel = parallel;
	e.test_max_per_host = ret_max;
	for (size_t i = 0; i < n; i++) {
		g[i] = hvc_guest_new();
		g[i]->name = xasprintf("%s-g%zu", hosts[i], i);
		g[i]->error = xstrdup("listing failed");
		t[i] = (struct hvc_engine_target){
			.guest = g[i], .backend = b, .host = hosts[i], .host_parallel = per_host
		};
	}
	hvc_engine_run(&e, t, n, plan);
	/* The plan borrows the guests: keep them for the caller's checks, free after. */
	for (size_t i = 0; i < plan->n; i++)
		CHECK(plan->guests[i].guest == g[i]);
	hvc_engine_finish(&e);
	free(t);
	for (size_t i = 0; i < n; i++)
		plan->guests[i].guest = NULL, hvc_guest_free(g[i]);
	free(g);
}

static const char *const twelve[] = { "a", "a", "a", "a", "a", "a", "b", "b", "b", "b", "b", "b" };

/* Without a per-host cap, 4 workers take 4 guests of host a at once. */
static void test_no_cap(void)
{
	struct hvc_plan plan = { 0 };
	int max = 0;

	run(twelve, ELEMENTSOF(twelve), 4, 0, NULL, &max, &plan);
	CHECK_INTEQ(max, 4);
	hvc_plan_finish(&plan);
}

/* --parallel-per-host 1: never two guests of one host at once, the other host goes on. */
static void test_cap_one(void)
{
	struct hvc_plan plan = { 0 };
	int max = 0;

	run(twelve, ELEMENTSOF(twelve), 4, 1, NULL, &max, &plan);
	CHECK_INTEQ(max, 1);
	CHECK_INTEQ(plan.n, 12);
	for (size_t i = 0; i < plan.n; i++)
		CHECK_INTEQ(plan.guests[i].status, HVC_PLAN_FAILED);
	hvc_plan_finish(&plan);
}

/* Cap 2 with 4 workers: 2 of a and 2 of b. */
static void test_cap_two(void)
{
	struct hvc_plan plan = { 0 };
	int max = 0;

	run(twelve, ELEMENTSOF(twelve), 4, 2, NULL, &max, &plan);
	CHECK_INTEQ(max, 2);
	hvc_plan_finish(&plan);
}

/* A connection that answers once, then is lost (what virConnectIsAlive() says of a dropped link). */
static int alive_answers;

static bool alive_once(_unused_ struct hvc_backend *b)
{
	return alive_answers++ == 0;
}

static void test_lost(void)
{
	static const struct hvc_backend_impl impl = { .name = "test", .alive = alive_once };
	static const char *const three[] = { "h1", "h1", "h1" };
	struct hvc_backend b = { .impl = &impl, .uri = (char *)"test:///x" };
	struct hvc_plan plan = { 0 };

	alive_answers = 0;
	run(three, ELEMENTSOF(three), 1, 0, &b, NULL, &plan);
	CHECK_STREQ(plan.guests[0].status_reason, "listing failed");
	for (size_t i = 1; i < 3; i++) {
		CHECK_INTEQ(plan.guests[i].status, HVC_PLAN_FAILED);
		CHECK_STREQ(
			plan.guests[i].status_reason, "not reached: connection to host h1 lost");
		CHECK_INTEQ(plan.guests[i].error_kind, HVC_ERRKIND_UNREACHABLE);
	}
	/* Asked once more after it was lost: never. */
	CHECK_INTEQ(alive_answers, 2);
	hvc_plan_finish(&plan);
}

/*
 * elapsed_ms: from the worker taking the guest to its result, so the host's liveness question
 * (asked by the worker for each guest) is inside it. It answers after 30 ms of CLOCK_MONOTONIC:
 * a lower bound the monotonic clock guarantees however slow the machine is (no upper bound).
 */
static bool alive_slow(_unused_ struct hvc_backend *b)
{
	struct timespec ts = { .tv_nsec = 30 * 1000 * 1000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
		;
	return true;
}

static void test_elapsed(void)
{
	static const struct hvc_backend_impl impl = { .name = "test", .alive = alive_slow };
	static const char *const two[] = { "h1", "h2" };
	struct hvc_backend b = { .impl = &impl, .uri = (char *)"test:///x" };
	struct hvc_plan plan = { 0 };

	run(two, ELEMENTSOF(two), 2, 0, &b, NULL, &plan);
	for (size_t i = 0; i < plan.n; i++) {
		CHECK_STREQ(plan.guests[i].status_reason, "listing failed");
		CHECK(plan.guests[i].elapsed_ms >= 30);
	}
	hvc_plan_finish(&plan);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_no_cap),
		HVC_TEST(test_cap_one),
		HVC_TEST(test_cap_two),
		HVC_TEST(test_lost),
		HVC_TEST(test_elapsed),
	};

	return hvc_test_run(tests, ELEMENTSOF(tests));
}
