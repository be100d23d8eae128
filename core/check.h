/*
 * check.h: `hvclock check`: clock health per guest, read-only. The offset of the guest's
 * clock from the host's (NTP-style samples over the guest's one session), the time sync
 * state, the clock symptoms since boot, the clocksource's read cost, the remedy state; the
 * judge (thresholds -> ok / warning / critical / unknown) and the outputs: text, JSON,
 * a Prometheus node_exporter textfile, a Nagios status line.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "core/clocksource.h"
#include "core/plan.h"
#include "core/table.h"

/* Ordered as Nagios' exit codes, which they are (--nagios). */
enum hvc_health {
	HVC_HEALTH_OK,
	HVC_HEALTH_WARNING,
	HVC_HEALTH_CRITICAL,
	HVC_HEALTH_UNKNOWN,
	HVC_HEALTH_LAST,
};
HVC_ENUM_DECL(hvc_health); /* "ok", "warning", "critical", "unknown" */

/* The thresholds ([check] in hvclock.conf); hvc_check_thresholds_init() sets the defaults. */
struct hvc_check_thresholds {
	double offset_warn_s; /* 0.1: ntpd steps rather than slews beyond 0.128 s */
	double offset_crit_s; /* 1.0: chrony's usual "makestep 1 3" step threshold */
	long symptoms_warn; /* 1: any clock symptom since boot; 0: never */
	long symptoms_crit; /* 0: never */
};
void hvc_check_thresholds_init(struct hvc_check_thresholds *t);

/* How many clock samples a guest gets (the best one counts). */
#define HVC_CHECK_SAMPLES 4

struct hvc_clock_check {
	bool skipped; /* not running (shut off, transient, skip = yes): not judged */
	/* The offset (guest - host) of the sample with the smallest error bound. */
	bool measured;
	double offset_s, error_s;
	int samples;
	bool whole_seconds; /* the guest's date has no %N: its time is known to a second */
	char *sample_error; /* why no (more) samples were taken */
	/* Time sync: the daemon (inspect's timesync line) and what its tool says. */
	char *ts_daemon; /* "chronyd", "ntpd", "systemd-timesyncd", or NULL (none) */
	enum hvc_tristate ts_active, ts_synced;
	bool ts_has_offset;
	double ts_offset_s; /* the daemon's own last offset */
	const char *ts_tool; /* "chronyc", "ntpq", "timedatectl" (static) */
	/* Clock symptoms since boot among the inspected log lines, and the last one. */
	long symptoms;
	char *last_symptom;
	enum hvc_cs_cost cost;
	const char *remedy; /* "in-place", "pending", "waiting-restart", "none", ... (static) */
	/* The remedy asks for time sync here ([timesync] required = yes; the host row: [host]
	 * timesync = yes, e.g. Workaround #3's "NTP in the domU"): "met" (a daemon runs and does not
	 * say it is unsynchronised) or "not-met"; NULL: not asked (static). */
	const char *timesync_required;
	enum hvc_health health;
	char **reasons; /* why not ok, one line each */
};
void hvc_clock_check_finish(struct hvc_clock_check *c);

/*
 * One sample: the host's CLOCK_REALTIME before (t0) and after (t1) the exec, and the guest's
 * time printed in between (ns; whole_seconds: truncated to the second). The offset is
 * guest - (t0 + t1) / 2, within (t1 - t0) / 2 (+ 0.5 s for whole seconds). Kept if its
 * error bound is the smallest so far.
 */
void hvc_clock_check_add_sample(struct hvc_clock_check *c, int64_t t0_ns, int64_t guest_ns,
	int64_t t1_ns, bool whole_seconds);

/* The time sync state from f (timesync, timesync_active, timesync_out) into c. */
void hvc_check_timesync(const struct hvc_facts *f, struct hvc_clock_check *c);

/*
 * Judge gp's guest (its facts, plan status and c's samples) into c: time sync, symptoms,
 * cost, remedy, health and reasons. A guest not inspected is unknown; the offset counts by its
 * lower bound (|offset| - error), so a slow channel never raises an alarm.
 */
void hvc_check_judge(const struct hvc_check_thresholds *t, const struct hvc_guest_plan *gp,
	struct hvc_clock_check *c);

/*
 * A guest named on the command line that was skipped (shut off, transient): unknown, with
 * why, not skipped: a check of a named guest never passes without looking at it.
 */
void hvc_check_named_unseen(struct hvc_clock_check *c, const char *why);

/* The checks of a run: checks[i] is plan->guests[i]'s; host (may be NULL) plan->host's. */
struct hvc_check_run {
	const struct hvc_plan *plan;
	const struct hvc_clock_check *checks;
	const struct hvc_guest *host_guest; /* dom0 (may be NULL) */
	const struct hvc_clock_check *host;
	const struct hvc_check_thresholds *thresholds;
};

/* The worst health (critical > warning > unknown > ok) of every judged row. */
enum hvc_health hvc_check_worst(const struct hvc_check_run *r);
/* The check table's columns (core/table.h). */
extern const struct hvc_column hvc_check_columns[];
/*
 * The table (o: --output, --noheadings, --raw, the terminal), then why each row is judged
 * as it is, then the summary line. quiet: no table, only the rows not ok, then the summary.
 */
void hvc_check_text(
	FILE *f, const struct hvc_check_run *r, bool quiet, const struct hvc_table_opts *o);
struct json_object *hvc_check_json(const struct hvc_check_run *r);
/* The Nagios plugin line (no newline): "HVCLOCK CRITICAL - ... | perfdata". Caller frees. */
char *hvc_check_nagios(const struct hvc_check_run *r);
/* A node_exporter textfile; host is the host label. Caller frees. */
char *hvc_check_prometheus(const struct hvc_check_run *r, const char *host, int64_t now_s);
/* A Prometheus label value: valid UTF-8, with \ " and newline escaped. Caller frees. */
char *hvc_prometheus_label(const char *s);
