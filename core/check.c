/* check.c: `hvclock check`: samples, time sync state, the judge, and the outputs. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"
#include "core/profile.h"
#include "core/report.h"
#include "core/util.h"

HVC_ENUM_IMPL(hvc_health, HVC_HEALTH_LAST, "ok", "warning", "critical", "unknown");

void hvc_check_thresholds_init(struct hvc_check_thresholds *t)
{
	*t = (struct hvc_check_thresholds){
		.offset_warn_s = 0.1,
		.offset_crit_s = 1.0,
		.symptoms_warn = 1,
		.symptoms_crit = 0,
	};
}

void hvc_clock_check_finish(struct hvc_clock_check *c)
{
	free(c->sample_error);
	free(c->ts_daemon);
	free(c->last_symptom);
	strv_free(c->reasons);
	memset(c, 0, sizeof(*c));
}

void hvc_clock_check_add_sample(struct hvc_clock_check *c, int64_t t0_ns, int64_t guest_ns,
	int64_t t1_ns, bool whole_seconds)
{
	double mid, g, off, err;

	if (t1_ns < t0_ns)
		return; /* the host's clock stepped back meanwhile: no bound */
	mid = (double)t0_ns / 1e9 + (double)(t1_ns - t0_ns) / 2e9;
	g = (double)guest_ns / 1e9 + (whole_seconds ? 0.5 : 0);
	off = g - mid;
	err = (double)(t1_ns - t0_ns) / 2e9 + (whole_seconds ? 0.5 : 0);
	c->samples++;
	if (!c->measured || err < c->error_s) {
		c->measured = true;
		c->offset_s = off;
		c->error_s = err;
		c->whole_seconds = whole_seconds;
	}
}

static double dabs(double v)
{
	return v < 0 ? -v : v;
}

static char *take(struct hvc_obuf *b)
{
	size_t len;
	return hvc_obuf_take(b, &len);
}

/* --- time sync: the tools' output, parsed here (guest text: nothing of it is trusted) --- */

/* A number that fits, from the start of s ("+0.000012 seconds"); false if none. */
static bool parse_seconds(const char *s, double *ret)
{
	char buf[64], *end;
	size_t n = strspn(s, "+-0123456789.eE");
	double v;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	v = strtod(buf, &end);
	if (*end || !isfinite(v) || dabs(v) > 1e9)
		return false;
	*ret = v;
	return true;
}

/* "Key    : value" of chronyc tracking: value after the colon, or NULL. */
static const char *chrony_field(const char *line, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	if (strncmp(line, key, n) != 0)
		return NULL;
	p = line + n;
	p += strspn(p, " ");
	if (*p != ':')
		return NULL;
	p++;
	return p + strspn(p, " ");
}

static void parse_chronyc(char *const *out, struct hvc_clock_check *c)
{
	STRV_FOREACH (l, out) {
		const char *v;
		if (strncmp(*l, "chronyc ", 8) != 0)
			continue;
		/* chrony's four values (client.c); anything else says nothing */
		if ((v = chrony_field(*l + 8, "Leap status")))
			c->ts_synced = streq(v, "Not synchronised") ? HVC_NO
				: streq(v, "Normal") || streq(v, "Insert second") ||
					streq(v, "Delete second")
				? HVC_YES
				: HVC_UNKNOWN;
		else if ((v = chrony_field(*l + 8, "Last offset")))
			c->ts_has_offset = parse_seconds(v, &c->ts_offset_s);
	}
}

/* ntpq -pn: the peer marked '*' is the one ntpd is synchronised to; its 9th column is the
 * offset in ms. Peers listed but none marked: not synchronised. */
static void parse_ntpq(char *const *out, struct hvc_clock_check *c)
{
	bool peers = false;

	STRV_FOREACH (l, out) {
		const char *s;
		if (strncmp(*l, "ntpq ", 5) != 0)
			continue;
		s = *l + 5;
		if (*s == '*' || *s == 'o') { /* the system peer; o: the same through PPS */
			_cleanup_strv_free_ char **w = strv_split(s + 1, " ");
			double ms;
			c->ts_synced = HVC_YES;
			if (strv_length(w) >= 9 && parse_seconds(w[8], &ms)) {
				c->ts_has_offset = true;
				c->ts_offset_s = ms / 1000;
			}
			return;
		}
		if (*s && strchr(" +-#ox.", *s) && s[1] >= '0' && s[1] <= '9')
			peers = true;
	}
	if (peers)
		c->ts_synced = HVC_NO;
}

static void parse_timedatectl(char *const *out, struct hvc_clock_check *c)
{
	STRV_FOREACH (l, out) {
		if (streq(*l, "timedatectl NTPSynchronized=yes"))
			c->ts_synced = HVC_YES;
		else if (streq(*l, "timedatectl NTPSynchronized=no"))
			c->ts_synced = HVC_NO;
	}
}

static bool has_tool(char *const *out, const char *tool)
{
	size_t n = strlen(tool);
	STRV_FOREACH (l, out)
		if (strncmp(*l, tool, n) == 0 && (*l)[n] == ' ')
			return true;
	return false;
}

void hvc_check_timesync(const struct hvc_facts *f, struct hvc_clock_check *c)
{
	static const struct {
		const char *daemon, *tool;
		void (*parse)(char *const *out, struct hvc_clock_check *c);
	} tools[] = {
		{ "chronyd", "chronyc", parse_chronyc },
		{ "ntpd", "ntpq", parse_ntpq },
		{ "systemd-timesyncd", "timedatectl", parse_timedatectl },
	};

	free(c->ts_daemon);
	c->ts_daemon = f->timesync && !streq(f->timesync, "none") ? xstrdup(f->timesync) : NULL;
	c->ts_active = c->ts_daemon ? f->timesync_active : HVC_NO;
	c->ts_synced = HVC_UNKNOWN;
	c->ts_has_offset = false;
	c->ts_tool = NULL;
	/* The running daemon's own tool; else the first tool that answered. */
	for (size_t pass = 0; pass < 2 && !c->ts_tool; pass++)
		for (size_t i = 0; i < ELEMENTSOF(tools) && !c->ts_tool; i++) {
			if (pass == 0 && !streq_ptr(c->ts_daemon, tools[i].daemon))
				continue;
			if (!has_tool(f->timesync_out, tools[i].tool))
				continue;
			c->ts_tool = tools[i].tool;
			tools[i].parse(f->timesync_out, c);
		}
}

/* --- the judge --- */

static bool is_clock_symptom(enum hvc_symptom s)
{
	return s == HVC_SYMPTOM_TIME_WENT_BACKWARDS || s == HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE ||
		s == HVC_SYMPTOM_TSC_UNSTABLE || s == HVC_SYMPTOM_LOCKUP;
}

static const char *remedy_state(const struct hvc_guest_plan *gp)
{
	switch (gp->status) {
	case HVC_PLAN_PENDING:
		return "pending";
	case HVC_PLAN_NOTHING:
		return gp->decision.profile ? "in-place" : "none";
	case HVC_PLAN_POWER_CYCLE:
		return "waiting-restart";
	case HVC_PLAN_NO_REMEDY:
		return "none";
	case HVC_PLAN_BLOCKED:
		return "blocked";
	default:
		return "unknown";
	}
}

static void raise_to(struct hvc_clock_check *c, enum hvc_health h, char *reason)
{
	static const int rank[] = { [HVC_HEALTH_OK] = 0,
		[HVC_HEALTH_UNKNOWN] = 1,
		[HVC_HEALTH_WARNING] = 2,
		[HVC_HEALTH_CRITICAL] = 3 };
	if (rank[h] > rank[c->health])
		c->health = h;
	strv_consume(&c->reasons, reason);
}

void hvc_check_named_unseen(struct hvc_clock_check *c, const char *why)
{
	if (!c->skipped)
		return;
	c->skipped = false;
	raise_to(c, HVC_HEALTH_UNKNOWN, xasprintf("named but not looked at: %s", why));
}

static int health_rank(enum hvc_health h)
{
	return h == HVC_HEALTH_CRITICAL   ? 3
		: h == HVC_HEALTH_WARNING ? 2
		: h == HVC_HEALTH_UNKNOWN ? 1
					  : 0;
}

void hvc_check_judge(const struct hvc_check_thresholds *t, const struct hvc_guest_plan *gp,
	struct hvc_clock_check *c)
{
	const struct hvc_facts *f = &gp->guest->facts;

	strv_free(c->reasons);
	c->reasons = NULL;
	c->health = HVC_HEALTH_OK;
	c->remedy = remedy_state(gp);
	c->timesync_required = NULL;
	c->cost = hvc_clocksource_cost(f->current_clocksource, f->kernel_release, NULL);
	c->symptoms = -1; /* unknown until inspected */
	c->ts_active = c->ts_synced = HVC_UNKNOWN;
	free(c->last_symptom);
	c->last_symptom = NULL;
	if (gp->status == HVC_PLAN_SKIPPED) {
		c->skipped = true;
		return;
	}
	if (!f->inspected) {
		const char *why = gp->reach.inspect_error ? gp->reach.inspect_error
			: gp->status_reason               ? gp->status_reason
							  : "not inspected";
		raise_to(c, HVC_HEALTH_UNKNOWN, xasprintf("not inspected: %s", why));
		return;
	}
	hvc_check_timesync(f, c);
	c->symptoms = 0;
	for (size_t i = 0; i < f->n_log; i++)
		if (is_clock_symptom(f->log[i].symptom)) {
			c->symptoms++;
			free_and_strdup(&c->last_symptom, f->log[i].text);
		}

	if (!c->measured) {
		raise_to(c, HVC_HEALTH_UNKNOWN,
			xasprintf("clock offset not measured: %s",
				c->sample_error ? c->sample_error : "no sample"));
	} else {
		double lower = dabs(c->offset_s) - c->error_s;
		if (lower >= t->offset_crit_s)
			raise_to(c, HVC_HEALTH_CRITICAL,
				xasprintf("clock off by %+.3f s (+/- %.3f s), critical from %g s",
					c->offset_s, c->error_s, t->offset_crit_s));
		else if (lower >= t->offset_warn_s)
			raise_to(c, HVC_HEALTH_WARNING,
				xasprintf("clock off by %+.3f s (+/- %.3f s), warning from %g s",
					c->offset_s, c->error_s, t->offset_warn_s));
	}
	if (t->symptoms_crit > 0 && c->symptoms >= t->symptoms_crit)
		raise_to(c, HVC_HEALTH_CRITICAL,
			xasprintf("%ld clock symptom%s since boot (critical from %ld)", c->symptoms,
				c->symptoms == 1 ? "" : "s", t->symptoms_crit));
	else if (t->symptoms_warn > 0 && c->symptoms >= t->symptoms_warn)
		raise_to(c, HVC_HEALTH_WARNING,
			xasprintf("%ld clock symptom%s since boot (warning from %ld)", c->symptoms,
				c->symptoms == 1 ? "" : "s", t->symptoms_warn));
	if (c->ts_daemon && c->ts_active == HVC_YES && c->ts_synced == HVC_NO)
		raise_to(c, HVC_HEALTH_WARNING,
			xasprintf(
				"%s runs but is not synchronised (%s)", c->ts_daemon, c->ts_tool));
	if (gp->decision.profile && gp->decision.profile->timesync_required) {
		bool met = c->ts_active == HVC_YES && c->ts_synced != HVC_NO;
		c->timesync_required = met ? "met" : "not-met";
		if (!met && c->ts_active != HVC_YES)
			raise_to(c, HVC_HEALTH_WARNING,
				xasprintf("remedy %s needs a running time sync daemon here: %s",
					gp->decision.profile->name,
					c->ts_daemon ? "it is not running" : "none is installed"));
	}
}

/* --- outputs --- */

#define ROWS(r)                                                                                  \
	for (size_t i_ = 0, n_ = (r)->plan->n + ((r)->host && (r)->plan->host ? 1 : 0); i_ < n_; \
		i_++)
static const struct hvc_guest_plan *row_plan(const struct hvc_check_run *r, size_t i)
{
	return i < r->plan->n ? &r->plan->guests[i] : r->plan->host;
}
static const struct hvc_clock_check *row_check(const struct hvc_check_run *r, size_t i)
{
	return i < r->plan->n ? &r->checks[i] : r->host;
}

enum hvc_health hvc_check_worst(const struct hvc_check_run *r)
{
	enum hvc_health w = HVC_HEALTH_OK;

	ROWS(r)
	{
		const struct hvc_clock_check *c = row_check(r, i_);
		if (!c->skipped && health_rank(c->health) > health_rank(w))
			w = c->health;
	}
	return w;
}

struct counts {
	size_t n[HVC_HEALTH_LAST], skipped;
};

static void count(const struct hvc_check_run *r, struct counts *k)
{
	memset(k, 0, sizeof(*k));
	ROWS(r)
	{
		const struct hvc_clock_check *c = row_check(r, i_);
		if (c->skipped)
			k->skipped++;
		else
			k->n[c->health]++;
	}
}

static char *offset_text(const struct hvc_clock_check *c)
{
	if (!c->measured)
		return xstrdup("-");
	return xasprintf("%+.3fs +/-%.3f", c->offset_s, c->error_s);
}

static char *timesync_text(const struct hvc_clock_check *c)
{
	if (!c->ts_daemon)
		return xstrdup(c->ts_active == HVC_UNKNOWN ? "-" : "none");
	return xasprintf("%s %s%s", c->ts_daemon, c->ts_active == HVC_YES ? "active" : "inactive",
		c->ts_synced == HVC_YES          ? " synced"
			: c->ts_synced == HVC_NO ? " unsynced"
						 : "");
}

/* A row of the check table. */
struct check_row {
	const struct hvc_guest_plan *gp;
	const struct hvc_clock_check *c;
};

static char *col_guest(const void *r)
{
	return hvc_escape_terminal(((const struct check_row *)r)->gp->guest->name);
}
static char *col_host(const void *r)
{
	const char *h = ((const struct check_row *)r)->gp->guest->host;
	return h ? hvc_escape_terminal(h) : NULL;
}
static char *col_health(const void *r)
{
	const struct hvc_clock_check *c = ((const struct check_row *)r)->c;
	return xstrdup(c->skipped ? "skipped" : hvc_health_to_string(c->health));
}
static char *col_offset(const void *r)
{
	return offset_text(((const struct check_row *)r)->c);
}
static char *col_timesync(const void *r)
{
	return timesync_text(((const struct check_row *)r)->c);
}
static char *col_symptoms(const void *r)
{
	const struct hvc_clock_check *c = ((const struct check_row *)r)->c;
	return c->symptoms < 0 ? NULL : xasprintf("%ld", c->symptoms);
}
static char *col_clocksource(const void *r)
{
	const struct check_row *row = r;
	_cleanup_free_ char *cs =
		hvc_escape_terminal(strna(row->gp->guest->facts.current_clocksource));
	return xasprintf("%s (%s)", cs, hvc_cs_cost_to_string(row->c->cost));
}
static char *col_remedy(const void *r)
{
	const struct hvc_clock_check *c = ((const struct check_row *)r)->c;
	return c->skipped ? NULL : hvc_escape_terminal(c->remedy);
}

/* clang-format off */
const struct hvc_column hvc_check_columns[] = {
	{ "HOST", NULL, HVC_COL_DEFAULT_HOSTS, col_host },
	{ "GUEST", NULL, HVC_COL_DEFAULT, col_guest },
	{ "HEALTH", NULL, HVC_COL_DEFAULT, col_health },
	{ "OFFSET", NULL, HVC_COL_DEFAULT, col_offset },
	{ "TIMESYNC", NULL, HVC_COL_DEFAULT | HVC_COL_TRUNC, col_timesync },
	{ "SYMPTOMS", NULL, HVC_COL_DEFAULT, col_symptoms },
	{ "CLOCKSOURCE", "CLOCKSOURCE (COST)", HVC_COL_DEFAULT, col_clocksource },
	{ "REMEDY", NULL, HVC_COL_DEFAULT | HVC_COL_TRUNC, col_remedy },
	{ NULL, NULL, 0, NULL },
};
/* clang-format on */

void hvc_check_text(
	FILE *f, const struct hvc_check_run *r, bool quiet, const struct hvc_table_opts *o)
{
	struct counts k;
	size_t n = 0;
	_cleanup_free_ struct check_row *rows = xcalloc(r->plan->n + 1, sizeof(*rows));
	_cleanup_free_ const void **p = xcalloc(r->plan->n + 1, sizeof(*p));

	ROWS(r)
	{
		const struct hvc_clock_check *c = row_check(r, i_);
		if (quiet && (c->skipped || c->health == HVC_HEALTH_OK))
			continue;
		rows[n] = (struct check_row){ row_plan(r, i_), c };
		p[n] = &rows[n];
		n++;
	}
	if (!quiet)
		hvc_table_print(f, hvc_check_columns,
			HVC_COL_DEFAULT | (r->plan->n_hosts > 1 ? HVC_COL_DEFAULT_HOSTS : 0), o, p,
			n);
	/* Then why each row that has reasons is judged so. */
	for (size_t i = 0; i < n; i++) {
		const struct hvc_clock_check *c = rows[i].c;
		if (!quiet && !c->reasons && !c->last_symptom)
			continue;
		_cleanup_free_ char *name = hvc_escape_terminal(rows[i].gp->guest->name);
		fprintf(f, "%s%s: %s\n", quiet && i == 0 ? "" : "\n", name,
			c->skipped ? "skipped" : hvc_health_to_string(c->health));
		STRV_FOREACH (why, c->reasons) {
			_cleanup_free_ char *w = hvc_escape_terminal(*why);
			fprintf(f, "  why: %s\n", w);
		}
		if (c->last_symptom) {
			_cleanup_free_ char *l = hvc_escape_terminal(c->last_symptom);
			fprintf(f, "  last symptom: %s\n", l);
		}
	}
	count(r, &k);
	fprintf(f, "%ssummary: %zu ok, %zu warning, %zu critical, %zu unknown, %zu skipped\n",
		n || !quiet ? "\n" : "", k.n[HVC_HEALTH_OK], k.n[HVC_HEALTH_WARNING],
		k.n[HVC_HEALTH_CRITICAL], k.n[HVC_HEALTH_UNKNOWN], k.skipped);
}

static struct json_object *jstr(const char *s)
{
	_cleanup_free_ char *u = hvc_utf8_sanitize(s);
	return u ? json_object_new_string(u) : NULL;
}

/* A threshold as written ("0.1", not 0.10000000000000001). */
static struct json_object *jshort(double v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%g", v);
	return json_object_new_double_s(v, buf);
}

static struct json_object *jtri(enum hvc_tristate t)
{
	return t == HVC_UNKNOWN ? NULL : json_object_new_boolean(t == HVC_YES);
}

static struct json_object *row_json(
	const struct hvc_guest_plan *gp, const struct hvc_clock_check *c)
{
	const struct hvc_guest *g = gp->guest;
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	struct json_object *ts = json_object_new_object(), *sy = json_object_new_object();
	struct json_object *cs = json_object_new_object(), *rm = json_object_new_object();

	json_object_object_add(o, "name", jstr(g->name));
	json_object_object_add(o, "uuid", g->uuid[0] ? jstr(g->uuid) : NULL);
	json_object_object_add(
		o, "health", jstr(c->skipped ? "skipped" : hvc_health_to_string(c->health)));
	STRV_FOREACH (w, c->reasons)
		json_object_array_add(a, jstr(*w));
	json_object_object_add(o, "reasons", a);
	json_object_object_add(
		o, "offset_seconds", c->measured ? json_object_new_double(c->offset_s) : NULL);
	json_object_object_add(
		o, "offset_error_seconds", c->measured ? json_object_new_double(c->error_s) : NULL);
	json_object_object_add(o, "samples", json_object_new_int(c->samples));
	json_object_object_add(o, "sample_error", jstr(c->sample_error));
	json_object_object_add(ts, "daemon", jstr(c->ts_daemon));
	json_object_object_add(ts, "active", c->ts_daemon ? jtri(c->ts_active) : NULL);
	json_object_object_add(ts, "synchronized", jtri(c->ts_synced));
	json_object_object_add(ts, "offset_seconds",
		c->ts_has_offset ? json_object_new_double(c->ts_offset_s) : NULL);
	json_object_object_add(ts, "tool", jstr(c->ts_tool));
	json_object_object_add(o, "timesync", ts);
	json_object_object_add(
		sy, "count", c->symptoms >= 0 ? json_object_new_int64(c->symptoms) : NULL);
	json_object_object_add(sy, "last", jstr(c->last_symptom));
	json_object_object_add(sy, "log_source", jstr(g->facts.log_source));
	json_object_object_add(o, "symptoms", sy);
	json_object_object_add(cs, "current", jstr(g->facts.current_clocksource));
	{
		struct json_object *av = NULL;
		if (g->facts.available_clocksources) {
			av = json_object_new_array();
			STRV_FOREACH (s, g->facts.available_clocksources)
				json_object_array_add(av, jstr(*s));
		}
		json_object_object_add(cs, "available", av);
	}
	json_object_object_add(cs, "cost", jstr(hvc_cs_cost_to_string(c->cost)));
	json_object_object_add(o, "clocksource", cs);
	json_object_object_add(
		rm, "profile", gp->decision.profile ? jstr(gp->decision.profile->name) : NULL);
	json_object_object_add(rm, "state", c->skipped ? NULL : jstr(c->remedy));
	json_object_object_add(rm, "timesync_required", jstr(c->timesync_required));
	json_object_object_add(o, "remedy", rm);
	json_object_object_add(o, "elapsed_ms", json_object_new_int64(gp->elapsed_ms));
	return o;
}

struct json_object *hvc_check_json(const struct hvc_check_run *r)
{
	struct json_object *doc = hvc_report_document("check");
	struct json_object *th = json_object_new_object(), *gs = json_object_new_array();
	struct json_object *sum = json_object_new_object();
	struct counts k;

	json_object_object_add(th, "offset_warn_seconds", jshort(r->thresholds->offset_warn_s));
	json_object_object_add(th, "offset_crit_seconds", jshort(r->thresholds->offset_crit_s));
	json_object_object_add(
		th, "symptoms_warn", json_object_new_int64(r->thresholds->symptoms_warn));
	json_object_object_add(
		th, "symptoms_crit", json_object_new_int64(r->thresholds->symptoms_crit));
	json_object_object_add(doc, "thresholds", th);
	for (size_t i = 0; i < r->plan->n; i++)
		json_object_array_add(gs, row_json(&r->plan->guests[i], &r->checks[i]));
	json_object_object_add(doc, "guests", gs);
	json_object_object_add(
		doc, "host", r->host && r->plan->host ? row_json(r->plan->host, r->host) : NULL);
	count(r, &k);
	for (int h = 0; h < HVC_HEALTH_LAST; h++)
		json_object_object_add(
			sum, hvc_health_to_string(h), json_object_new_int64((int64_t)k.n[h]));
	json_object_object_add(sum, "skipped", json_object_new_int64((int64_t)k.skipped));
	json_object_object_add(sum, "worst", jstr(hvc_health_to_string(hvc_check_worst(r))));
	json_object_object_add(doc, "summary", sum);
	return doc;
}

/* Nagios: the status line must stay one line and keep '|' for the performance data. */
static char *nagios_safe(const char *s)
{
	char *e = hvc_escape_terminal(s);
	for (char *p = e; *p; p++)
		if (*p == '|')
			*p = '/';
	return e;
}

char *hvc_check_nagios(const struct hvc_check_run *r)
{
	static const char *const upper[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	enum hvc_health w = hvc_check_worst(r);
	struct hvc_obuf b = { 0 };
	struct counts k;
	char *line;
	size_t named = 0;

	count(r, &k);
	line = xasprintf("HVCLOCK %s - %zu critical, %zu warning, %zu unknown, %zu ok", upper[w],
		k.n[HVC_HEALTH_CRITICAL], k.n[HVC_HEALTH_WARNING], k.n[HVC_HEALTH_UNKNOWN],
		k.n[HVC_HEALTH_OK]);
	hvc_obuf_append(&b, line, strlen(line));
	free(line);
	/* The rows as bad as the worst, each with its first reason (at most 5). */
	ROWS(r)
	{
		const struct hvc_guest_plan *gp = row_plan(r, i_);
		const struct hvc_clock_check *c = row_check(r, i_);
		if (c->skipped || w == HVC_HEALTH_OK || c->health != w || named >= 5)
			continue;
		_cleanup_free_ char *n = nagios_safe(gp->guest->name);
		_cleanup_free_ char *why = nagios_safe(c->reasons ? c->reasons[0] : "");
		line = xasprintf("%s %s: %s", named++ ? ";" : ":", n, why);
		hvc_obuf_append(&b, line, strlen(line));
		free(line);
	}
	line = xasprintf(" | critical=%zu warning=%zu unknown=%zu ok=%zu", k.n[HVC_HEALTH_CRITICAL],
		k.n[HVC_HEALTH_WARNING], k.n[HVC_HEALTH_UNKNOWN], k.n[HVC_HEALTH_OK]);
	hvc_obuf_append(&b, line, strlen(line));
	free(line);
	return take(&b);
}

char *hvc_prometheus_label(const char *s)
{
	_cleanup_free_ char *u = hvc_utf8_sanitize(s ? s : "");
	struct hvc_obuf b = { 0 };

	for (const char *p = u; *p; p++) {
		if (*p == '\\')
			hvc_obuf_append(&b, "\\\\", 2);
		else if (*p == '"')
			hvc_obuf_append(&b, "\\\"", 2);
		else if (*p == '\n')
			hvc_obuf_append(&b, "\\n", 2);
		else
			hvc_obuf_append(&b, p, 1);
	}
	return take(&b);
}

static void prom_printf(struct hvc_obuf *b, const char *fmt, ...) _printf_(2, 3);
static void prom_printf(struct hvc_obuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	hvc_obuf_append(b, s, strlen(s));
	free(s);
}

static const struct {
	const char *name, *help;
} metrics[] = {
	{ "hvclock_guest_clock_offset_seconds",
		"Guest clock minus host clock, best of the samples." },
	{ "hvclock_guest_clock_offset_error_seconds",
		"Error bound of hvclock_guest_clock_offset_seconds (half the round trip)." },
	{ "hvclock_guest_clock_health",
		"Clock health: 0 ok, 1 warning, 2 critical, 3 unknown (the Nagios codes)." },
	{ "hvclock_guest_clock_symptoms",
		"Clock symptom lines in the guest's kernel log since boot." },
	{ "hvclock_guest_timesync_synchronized",
		"1 if the guest's time sync daemon says it is synchronised, 0 if not." },
	{ "hvclock_guest_clocksource_info",
		"The guest's current clocksource and its read cost class (value 1)." },
};

char *hvc_check_prometheus(const struct hvc_check_run *r, const char *host, int64_t now_s)
{
	struct hvc_obuf b = { 0 };
	_cleanup_free_ char *h = hvc_prometheus_label(host);

	for (size_t m = 0; m < ELEMENTSOF(metrics); m++) {
		prom_printf(&b, "# HELP %s %s\n# TYPE %s gauge\n", metrics[m].name, metrics[m].help,
			metrics[m].name);
		ROWS(r)
		{
			const struct hvc_guest_plan *gp = row_plan(r, i_);
			const struct hvc_clock_check *c = row_check(r, i_);
			_cleanup_free_ char *g = hvc_prometheus_label(gp->guest->name);
			_cleanup_free_ char *u = hvc_prometheus_label(gp->guest->uuid);
			/* the UUID too: two connections may each have a guest of one name */
			_cleanup_free_ char *l =
				xasprintf("guest=\"%s\",uuid=\"%s\",host=\"%s\"", g, u, h);
			const char *mn = metrics[m].name;

			if (c->skipped)
				continue;
			switch (m) {
			case 0:
			case 1:
				if (c->measured)
					prom_printf(&b, "%s{%s} %.9g\n", mn, l,
						m == 0 ? c->offset_s : c->error_s);
				break;
			case 2:
				prom_printf(&b, "%s{%s} %d\n", mn, l, (int)c->health);
				break;
			case 3:
				if (c->symptoms >= 0)
					prom_printf(&b, "%s{%s} %ld\n", mn, l, c->symptoms);
				break;
			case 4:
				if (c->ts_synced != HVC_UNKNOWN)
					prom_printf(
						&b, "%s{%s} %d\n", mn, l, c->ts_synced == HVC_YES);
				break;
			case 5:
				if (gp->guest->facts.current_clocksource) {
					_cleanup_free_ char *cs = hvc_prometheus_label(
						gp->guest->facts.current_clocksource);
					prom_printf(&b, "%s{%s,clocksource=\"%s\",cost=\"%s\"} 1\n",
						mn, l, cs, hvc_cs_cost_to_string(c->cost));
				}
				break;
			}
		}
	}
	prom_printf(&b,
		"# HELP hvclock_check_timestamp_seconds When this check ran (Unix time).\n"
		"# TYPE hvclock_check_timestamp_seconds gauge\n"
		"hvclock_check_timestamp_seconds{host=\"%s\"} %lld\n",
		h, (long long)now_s);
	return take(&b);
}
