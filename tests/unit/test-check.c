/* test-check.c: `hvclock check`'s pure parts: samples, time sync parsing, the judge, the
 * clocksource cost table, the clock report parser, and the outputs' escaping. */
#include <errno.h>
#include <stdio.h>

#include "core/check.h"
#include "core/guestscript.h"
#include "core/profile.h"
#include "tests/harness.h"

#define S 1000000000LL

/* A planned, inspected guest with the given log lines (NULL-terminated), for the judge. */
struct fixture {
	struct hvc_guest *g;
	struct hvc_guest_plan gp;
	struct hvc_clock_check c;
	struct hvc_check_thresholds t;
};

static void fixture_init(struct fixture *x, const char *name, const char *const *log)
{
	memset(x, 0, sizeof(*x));
	x->g = hvc_guest_new();
	x->g->name = xstrdup(name);
	x->g->facts.inspected = true;
	x->g->facts.kernel_release = xstrdup("6.1.0-28-amd64");
	x->g->facts.current_clocksource = xstrdup("kvm-clock");
	x->g->facts.timesync = xstrdup("none");
	x->g->facts.timesync_active = HVC_NO;
	for (; log && *log; log++)
		hvc_facts_add_log(&x->g->facts, hvc_symptom_classify(*log), *log);
	x->gp.guest = x->g;
	x->gp.status = HVC_PLAN_NOTHING;
	hvc_check_thresholds_init(&x->t);
}

static void fixture_finish(struct fixture *x)
{
	hvc_clock_check_finish(&x->c);
	hvc_guest_free(x->g);
}

/* NTP-style: offset = guest - midpoint, error = half the round trip; the best sample wins. */
static void test_samples(void)
{
	struct hvc_clock_check c = { 0 };

	hvc_clock_check_add_sample(&c, 100 * S, 105 * S + S / 10, 100 * S + S / 5, false);
	CHECK(c.measured);
	CHECK(c.offset_s > 4.999 && c.offset_s < 5.001);
	CHECK(c.error_s > 0.0999 && c.error_s < 0.1001);
	/* a tighter round trip replaces it */
	hvc_clock_check_add_sample(&c, 200 * S, 205 * S + S / 100, 200 * S + S / 50, false);
	CHECK(c.error_s > 0.0099 && c.error_s < 0.0101);
	CHECK(c.offset_s > 4.999 && c.offset_s < 5.001);
	/* a looser one does not */
	hvc_clock_check_add_sample(&c, 300 * S, 290 * S, 301 * S, false);
	CHECK(c.offset_s > 4.999 && c.offset_s < 5.001);
	CHECK_INTEQ(c.samples, 3);
	/* the host's clock stepped back: no bound, not counted */
	hvc_clock_check_add_sample(&c, 400 * S, 400 * S, 399 * S, false);
	CHECK_INTEQ(c.samples, 3);
	hvc_clock_check_finish(&c);
	/* whole seconds: the guest's time is somewhere in that second */
	hvc_clock_check_add_sample(&c, 100 * S, 100 * S, 100 * S + S / 1000, true);
	CHECK(c.whole_seconds);
	CHECK(c.error_s > 0.5 && c.error_s < 0.502);
	CHECK(c.offset_s > 0.49 && c.offset_s < 0.5);
	hvc_clock_check_finish(&c);
}

static void set_offset(struct fixture *x, double off, double err)
{
	x->c.measured = true;
	x->c.offset_s = off;
	x->c.error_s = err;
}

/* The thresholds: 0.1 s warns, 1 s is critical, both judged on |offset| - error. */
static void test_judge_offset(void)
{
	static const struct {
		double off, err;
		enum hvc_health want;
	} rows[] = {
		{ 0.001, 0.001, HVC_HEALTH_OK }, { -0.05, 0.001, HVC_HEALTH_OK },
		{ 0.3, 0.001, HVC_HEALTH_WARNING }, { -0.3, 0.001, HVC_HEALTH_WARNING },
		{ 0.3, 0.25, HVC_HEALTH_OK }, /* could be 0.05: no false alarm */
		{ 5.0, 0.01, HVC_HEALTH_CRITICAL }, { -5.0, 0.01, HVC_HEALTH_CRITICAL },
		{ 1.05, 0.1, HVC_HEALTH_WARNING }, /* lower bound 0.95 */
	};
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct fixture x;
		fixture_init(&x, "g", NULL);
		set_offset(&x, rows[i].off, rows[i].err);
		hvc_check_judge(&x.t, &x.gp, &x.c);
		if (x.c.health != rows[i].want) {
			printf("# offset %g +/- %g: got %s, want %s\n", rows[i].off, rows[i].err,
				hvc_health_to_string(x.c.health),
				hvc_health_to_string(rows[i].want));
			hvc_test_case_failed = 1;
		}
		fixture_finish(&x);
	}
	/* configured thresholds */
	struct fixture x;
	fixture_init(&x, "g", NULL);
	x.t.offset_warn_s = 0.5;
	set_offset(&x, 0.3, 0.001);
	hvc_check_judge(&x.t, &x.gp, &x.c);
	CHECK_INTEQ(x.c.health, HVC_HEALTH_OK);
	fixture_finish(&x);
	/* not measured: unknown, with the reason */
	fixture_init(&x, "g", NULL);
	x.c.sample_error = xstrdup("the clock sample exited with status 127");
	hvc_check_judge(&x.t, &x.gp, &x.c);
	CHECK_INTEQ(x.c.health, HVC_HEALTH_UNKNOWN);
	CHECK(x.c.reasons && strstr(x.c.reasons[0], "status 127"));
	fixture_finish(&x);
}

static void test_judge_symptoms_and_reach(void)
{
	static const char *const log[] = {
		"[    0.452406] clocksource: Switched to clocksource kvm-clock",
		"[2423264.824259] Clocksource tsc unstable (delta = 6824818792 ns).",
		"clocksource/0: Time went backwards: delta=-118088543",
		NULL,
	};
	struct fixture x;

	fixture_init(&x, "g", log);
	set_offset(&x, 0, 0.001);
	hvc_check_judge(&x.t, &x.gp, &x.c);
	CHECK_INTEQ(x.c.symptoms, 2); /* "Switched to" is not a symptom */
	CHECK_STREQ(x.c.last_symptom, "clocksource/0: Time went backwards: delta=-118088543");
	CHECK_INTEQ(x.c.health, HVC_HEALTH_WARNING);
	x.t.symptoms_crit = 2;
	hvc_check_judge(&x.t, &x.gp, &x.c);
	CHECK_INTEQ(x.c.health, HVC_HEALTH_CRITICAL);
	x.t.symptoms_crit = 0;
	x.t.symptoms_warn = 0;
	hvc_check_judge(&x.t, &x.gp, &x.c);
	CHECK_INTEQ(x.c.health, HVC_HEALTH_OK);
	CHECK_STREQ(x.c.remedy, "none");
	fixture_finish(&x);

	/* unreachable: unknown, whatever else */
	fixture_init(&x, "g", log);
	hvc_facts_finish(&x.g->facts);
	x.gp.reach.inspect_error = xstrdup("127.0.0.1:22: connection refused");
	hvc_check_judge(&x.t, &x.gp, &x.c);
	CHECK_INTEQ(x.c.health, HVC_HEALTH_UNKNOWN);
	CHECK_INTEQ(x.c.symptoms, -1);
	CHECK(x.c.reasons && strstr(x.c.reasons[0], "connection refused"));
	free(x.gp.reach.inspect_error);
	fixture_finish(&x);

	/* shut off: skipped, not judged */
	fixture_init(&x, "g", NULL);
	x.gp.status = HVC_PLAN_SKIPPED;
	hvc_check_judge(&x.t, &x.gp, &x.c);
	CHECK(x.c.skipped);
	fixture_finish(&x);
}

static void judge_timesync(struct fixture *x, const char *daemon, const char *const *out)
{
	free(x->g->facts.timesync);
	x->g->facts.timesync = xstrdup(daemon);
	x->g->facts.timesync_active = HVC_YES;
	strv_free(x->g->facts.timesync_out);
	x->g->facts.timesync_out = NULL;
	for (; out && *out; out++)
		strv_push(&x->g->facts.timesync_out, *out);
	set_offset(x, 0, 0.001);
	hvc_check_judge(&x->t, &x->gp, &x->c);
}

/* Each tool's output, as chrony 4.3, ntp 4.2.8 and systemd 252 print it, and hostile text. */
static void test_timesync(void)
{
	static const char *const chrony_ok[] = {
		"chronyc Reference ID    : C0A80101 (192.168.1.1)",
		"chronyc Stratum         : 3",
		"chronyc System time     : 0.000012345 seconds fast of NTP time",
		"chronyc Last offset     : -0.000023456 seconds",
		"chronyc Leap status     : Normal",
		NULL,
	};
	static const char *const chrony_no[] = {
		"chronyc Reference ID    : 00000000 ()",
		"chronyc Last offset     : +0.000000000 seconds",
		"chronyc Leap status     : Not synchronised",
		NULL,
	};
	static const char *const ntpq_ok[] = {
		"ntpq      remote           refid      st t when poll reach   delay   offset  "
		"jitter",
		"ntpq "
		"==============================================================================",
		"ntpq *192.168.1.1     .GPS.            1 u   33   64  377    0.412   -1.250   "
		"0.071",
		"ntpq +192.168.1.2     192.168.1.1      2 u   12   64  377    0.388    0.153   "
		"0.044",
		NULL,
	};
	static const char *const ntpq_no[] = {
		"ntpq      remote           refid      st t when poll reach   delay   offset  "
		"jitter",
		"ntpq "
		"==============================================================================",
		"ntpq  192.168.1.1     .INIT.          16 u    -   64    0    0.000    0.000   "
		"0.000",
		/* an empty line of ntpq's: nothing after the prefix */
		"ntpq ",
		NULL,
	};
	/* a PPS peer (tally o) is the system peer too */
	static const char *const ntpq_pps[] = {
		"ntpq o127.127.22.0    .PPS.            0 l   12   16  377    0.000    0.002   "
		"0.001",
		NULL,
	};
	static const char *const tdc_no[] = {
		"timedatectl Timezone=Etc/UTC",
		"timedatectl NTP=yes",
		"timedatectl NTPSynchronized=no",
		NULL,
	};
	static const char *const hostile[] = {
		"chronyc Last offset     : 1e999 seconds",
		"chronyc Leap status     : Normal\x1b[31m",
		"ntpq *x y z",
		NULL,
	};
	struct fixture x;

	fixture_init(&x, "g", NULL);
	judge_timesync(&x, "chronyd", chrony_ok);
	CHECK_INTEQ(x.c.ts_synced, HVC_YES);
	CHECK(x.c.ts_has_offset && x.c.ts_offset_s < -0.0000234 && x.c.ts_offset_s > -0.0000235);
	CHECK_STREQ(x.c.ts_tool, "chronyc");
	CHECK_INTEQ(x.c.health, HVC_HEALTH_OK);
	judge_timesync(&x, "chronyd", chrony_no);
	CHECK_INTEQ(x.c.ts_synced, HVC_NO);
	CHECK_INTEQ(x.c.health, HVC_HEALTH_WARNING);
	CHECK(x.c.reasons && strstr(x.c.reasons[0], "chronyd runs but is not synchronised"));
	judge_timesync(&x, "ntpd", ntpq_ok);
	CHECK_INTEQ(x.c.ts_synced, HVC_YES);
	CHECK(x.c.ts_has_offset && x.c.ts_offset_s < -0.00124 && x.c.ts_offset_s > -0.00126);
	judge_timesync(&x, "ntpd", ntpq_no);
	CHECK_INTEQ(x.c.ts_synced, HVC_NO);
	judge_timesync(&x, "ntpd", ntpq_pps);
	CHECK_INTEQ(x.c.ts_synced, HVC_YES);
	judge_timesync(&x, "systemd-timesyncd", tdc_no);
	CHECK_INTEQ(x.c.ts_synced, HVC_NO);
	CHECK_STREQ(x.c.ts_tool, "timedatectl");
	/* the daemon's own tool wins over another tool's output */
	{
		const char *both[] = { tdc_no[2], chrony_ok[4], NULL };
		judge_timesync(&x, "chronyd", both);
		CHECK_STREQ(x.c.ts_tool, "chronyc");
		CHECK_INTEQ(x.c.ts_synced, HVC_YES);
	}
	/* nothing trusted: an infinite offset is no offset; a polluted status is not "Normal"
	 * by accident either way, and a short ntpq line has no offset */
	judge_timesync(&x, "chronyd", hostile);
	CHECK(!x.c.ts_has_offset);
	CHECK_INTEQ(x.c.ts_synced, HVC_UNKNOWN);
	judge_timesync(&x, "ntpd", hostile);
	CHECK_INTEQ(x.c.ts_synced, HVC_YES);
	CHECK(!x.c.ts_has_offset);
	/* no tool output: unknown */
	judge_timesync(&x, "chronyd", NULL);
	CHECK_INTEQ(x.c.ts_synced, HVC_UNKNOWN);
	fixture_finish(&x);
}

/* A remedy that needs time sync (xen-wa2's dom0, xen-classic-ntp's "NTP in the domU"):
 * met or not, from the time sync state. */
static void test_timesync_required(void)
{
	static const char *const chrony_no[] = { "chronyc Leap status     : Not synchronised",
		NULL };
	struct hvc_profile p = { .name = (char *)"xen-classic-ntp", .timesync_required = true };
	struct fixture x;

	fixture_init(&x, "g", NULL);
	x.gp.decision.profile = &p;
	set_offset(&x, 0, 0.001);
	hvc_check_judge(&x.t, &x.gp, &x.c);
	CHECK_STREQ(x.c.timesync_required, "not-met");
	CHECK_INTEQ(x.c.health, HVC_HEALTH_WARNING);
	CHECK(x.c.reasons &&
		streq(x.c.reasons[0],
			"remedy xen-classic-ntp needs a running time sync daemon here: none is "
			"installed"));
	judge_timesync(&x, "ntpd", NULL);
	CHECK_STREQ(x.c.timesync_required, "met");
	CHECK_INTEQ(x.c.health, HVC_HEALTH_OK);
	judge_timesync(&x, "chronyd", chrony_no);
	CHECK_STREQ(x.c.timesync_required, "not-met");
	x.gp.decision.profile = NULL;
	hvc_check_judge(&x.t, &x.gp, &x.c);
	CHECK(!x.c.timesync_required);
	fixture_finish(&x);
}

static void test_clocksource_cost(void)
{
	const char *why;

	CHECK_INTEQ(hvc_clocksource_cost("tsc", "2.6.32-754.el6.x86_64", NULL), HVC_CS_COST_VDSO);
	CHECK_INTEQ(hvc_clocksource_cost("kvm-clock", "6.1.0-28-amd64", &why),
		HVC_CS_COST_VDSO_IF_STABLE);
	CHECK(why && strstr(why, "3.8"));
	CHECK_INTEQ(hvc_clocksource_cost("kvm-clock", "2.6.32-754.el6.x86_64", NULL),
		HVC_CS_COST_SYSCALL);
	CHECK_INTEQ(hvc_clocksource_cost("kvm-clock", "3.8.0", NULL), HVC_CS_COST_VDSO_IF_STABLE);
	CHECK_INTEQ(hvc_clocksource_cost("xen", "2.6.18-419.el5xen", NULL), HVC_CS_COST_SYSCALL);
	CHECK_INTEQ(hvc_clocksource_cost("xen", NULL, NULL), HVC_CS_COST_VDSO_IF_STABLE);
	CHECK_INTEQ(hvc_clocksource_cost("hpet", "6.1.0", NULL), HVC_CS_COST_TRAP);
	CHECK_INTEQ(hvc_clocksource_cost("acpi_pm", "6.1.0", NULL), HVC_CS_COST_TRAP);
	CHECK_INTEQ(hvc_clocksource_cost("jiffies", "6.1.0", NULL), HVC_CS_COST_SYSCALL);
	CHECK_INTEQ(hvc_clocksource_cost("made-up", "6.1.0", &why), HVC_CS_COST_UNKNOWN);
	CHECK(!why);
	CHECK_INTEQ(hvc_clocksource_cost(NULL, NULL, NULL), HVC_CS_COST_UNKNOWN);
}

static void test_time_parse(void)
{
	static const struct {
		const char *out;
		int ret;
		long long ns;
		bool whole;
	} rows[] = {
		{ "hvclock-time 1\nclock 1700000000.123456789\nend\n", 0, 1700000000123456789LL,
			false },
		{ "hvclock-time 1\nclock 1700000000.5\nend\n", 0, 1700000000500000000LL, false },
		{ "hvclock-time 1\nclock 1700000000\nend\n", 0, 1700000000000000000LL, true },
		{ "hvclock-time 1\nclock 1700000000.%N\nend\n", -EPROTO, 0, false },
		{ "hvclock-time 1\nclock -5\nend\n", -EPROTO, 0, false },
		{ "hvclock-time 1\nclock 1.1234567890\nend\n", -EPROTO, 0, false },
		{ "hvclock-time 1\nclock \nend\n", -EPROTO, 0, false },
		{ "hvclock-time 1\nclock 1\nclock 2\nend\n", -EPROTO, 0, false },
		{ "hvclock-time 2\nclock 1\nend\n", -EPROTONOSUPPORT, 0, false },
		{ "hvclock-time 1\nclock 1\x1b\nend\n", -EBADMSG, 0, false },
		{ "hvclock-time 1\nclock 1\n", -EPROTO, 0, false },
		{ "hvclock-time 1\nclock 9999999999999\nend\n", -EPROTO, 0, false },
		/* more seconds than fit an int64 of nanoseconds: refused, no overflow */
		{ "hvclock-time 1\nclock 999999999999.5\nend\n", -EPROTO, 0, false },
		{ "hvclock-time 1\nclock 9999999999.5\nend\n", -EPROTO, 0, false },
		{ "hvclock-time 1\nclock 9223372035.5\nend\n", 0, 9223372035500000000LL, false },
	};
	for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
		struct hvc_error err = { 0 };
		int64_t ns = 0;
		bool whole = false;
		int r = hvc_time_parse(rows[i].out, strlen(rows[i].out), &ns, &whole, &err);
		if (r != rows[i].ret || (r == 0 && (ns != rows[i].ns || whole != rows[i].whole))) {
			printf("# row %zu: got %d %lld %d (%s)\n", i, r, (long long)ns, whole,
				err.msg);
			hvc_test_case_failed = 1;
		}
	}
	/* the request is the constant one, and it asks for nothing but the time */
	CHECK(strstr(hvc_time_request, "date +%s.%N") != NULL);
	CHECK_INTEQ(hvc_time_request_len, strlen(hvc_time_request));
}

/* The check request carries "check"; the plain one does not. */
static void test_inspect_request(void)
{
	size_t len;
	_cleanup_free_ char *a = hvc_inspect_request_check(NULL, false, true, 0, &len);
	_cleanup_free_ char *b = hvc_inspect_request(NULL, false, 0, &len);

	CHECK(a && strstr(a, "\ncheck\nHVCLOCK_DATA_END\n"));
	CHECK(b && !strstr(b, "\ncheck\n"));
}

/* Labels: valid UTF-8, \ " and newline escaped; nothing else can end the value. */
static void test_prometheus(void)
{
	static const char *const names[] = { "web\"01\\\nx",
		"bad\xff"
		"byte" };
	struct fixture x[2];
	struct hvc_plan plan = { 0 };
	struct hvc_clock_check checks[2];
	struct hvc_check_run r;
	_cleanup_free_ char *l = hvc_prometheus_label("a\"b\\c\nd");
	_cleanup_free_ char *text = NULL, *nag = NULL;

	CHECK_STREQ(l, "a\\\"b\\\\c\\nd");
	for (int i = 0; i < 2; i++) {
		fixture_init(&x[i], names[i], NULL);
		set_offset(&x[i], i ? 5.0 : 0.002, 0.001);
		hvc_check_judge(&x[i].t, &x[i].gp, &x[i].c);
		checks[i] = x[i].c;
		hvc_plan_add(&plan);
	}
	for (int i = 0; i < 2; i++)
		plan.guests[i] = x[i].gp;
	r = (struct hvc_check_run){ .plan = &plan, .checks = checks, .thresholds = &x[0].t };
	text = hvc_check_prometheus(&r, "host\"1", 1700000000);
	CHECK(strstr(text,
		"hvclock_guest_clock_offset_seconds{guest=\"web\\\"01\\\\\\nx\","
		"uuid=\"\",host=\"host\\\"1\"} 0.002\n"));
	CHECK(strstr(text,
		"hvclock_guest_clock_health{guest=\"bad\\\\xffbyte\",uuid=\"\",host=\"host\\\"1\"} "
		"2\n"));
	CHECK(strstr(text,
		"hvclock_guest_clocksource_info{guest=\"web\\\"01\\\\\\nx\",uuid=\"\",host="
		"\"host\\\"1\","
		"clocksource=\"kvm-clock\",cost=\"vdso-if-stable\"} 1\n"));
	CHECK(strstr(text, "# TYPE hvclock_guest_clock_offset_seconds gauge\n"));
	CHECK(strstr(text, "hvclock_check_timestamp_seconds{host=\"host\\\"1\"} 1700000000\n"));
	/* every line is a comment or NAME{...} VALUE: no raw newline or quote got through */
	for (char *p = text; *p;) {
		char *nl = strchr(p, '\n');
		CHECK(nl);
		if (!nl)
			break;
		*nl = '\0';
		CHECK(p[0] == '#' || (strstr(p, "} ") && p[strlen(p) - 1] != '"'));
		p = nl + 1;
	}
	CHECK_INTEQ(hvc_check_worst(&r), HVC_HEALTH_CRITICAL);
	nag = hvc_check_nagios(&r);
	{
		const char *want = "HVCLOCK CRITICAL - 1 critical, 0 warning, 0 unknown, 1 ok: "
				   "bad\\xffbyte: clock off by +5.000 s";
		CHECK(strncmp(nag, want, strlen(want)) == 0);
	}
	CHECK(!strchr(nag, '\n'));
	CHECK(strstr(nag, " | critical=1 warning=0 unknown=0 ok=1"));
	for (int i = 0; i < 2; i++) {
		memset(&plan.guests[i], 0, sizeof(plan.guests[i]));
		x[i].c = checks[i];
		fixture_finish(&x[i]);
	}
	hvc_plan_finish(&plan);
}

/* A guest named with '|' cannot cut the Nagios line's performance data short. */
static void test_nagios_pipe(void)
{
	struct fixture x;
	struct hvc_plan plan = { 0 };
	struct hvc_check_run r;
	_cleanup_free_ char *nag = NULL;

	fixture_init(&x, "a|b\nc", NULL);
	set_offset(&x, 2, 0.001);
	hvc_check_judge(&x.t, &x.gp, &x.c);
	hvc_plan_add(&plan);
	plan.guests[0] = x.gp;
	r = (struct hvc_check_run){ .plan = &plan, .checks = &x.c, .thresholds = &x.t };
	nag = hvc_check_nagios(&r);
	CHECK(strstr(nag, ": a/b\\x0ac: clock off by +2.000 s"));
	CHECK(strchr(nag, '|') == strrchr(nag, '|'));
	memset(&plan.guests[0], 0, sizeof(plan.guests[0]));
	hvc_plan_finish(&plan);
	fixture_finish(&x);
}

int main(void)
{
	static const struct hvc_test tests[] = {
		HVC_TEST(test_samples),
		HVC_TEST(test_judge_offset),
		HVC_TEST(test_judge_symptoms_and_reach),
		HVC_TEST(test_timesync),
		HVC_TEST(test_timesync_required),
		HVC_TEST(test_clocksource_cost),
		HVC_TEST(test_time_parse),
		HVC_TEST(test_inspect_request),
		HVC_TEST(test_prometheus),
		HVC_TEST(test_nagios_pipe),
	};
	return hvc_test_run(tests, ELEMENTSOF(tests));
}
