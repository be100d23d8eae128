/* report.h: plan, rollout and list output, as a text table for people and as JSON. */
#pragma once

#include <stdio.h>

#include <json-c/json.h>

#include "core/plan.h"
#include "core/table.h"

/*
 * JSON schema version, bumped on any incompatible change. The schema is
 * documented in docs/json-schema.md; golden files in tests/data/report/.
 */
#define HVC_JSON_SCHEMA 1

enum hvc_report_kind {
	HVC_REPORT_PLAN,
	HVC_REPORT_ROLLOUT,
	HVC_REPORT_ROLLBACK,
};

/* The columns of the guest tables (core/table.h): list's, and plan's, rollout's and rollback's. */
extern const struct hvc_column hvc_report_list_columns[];
extern const struct hvc_column hvc_report_plan_columns[];

/*
 * `hvclock list`: the guests as a table on f (o: --output, --noheadings, --raw, the
 * terminal), or as a JSON object (caller releases it with json_object_put()). Never fail;
 * borrow l.
 */
void hvc_report_list_text(FILE *f, const struct hvc_guest_list *l, const struct hvc_table_opts *o);
struct json_object *hvc_report_list_json(
	const struct hvc_guest_list *l, const struct hvc_plan_host *hosts, size_t n_hosts);
/*
 * The hypervisor hosts of the run (JSON "hosts" of list, plan, rollout, rollback, check): each
 * opened and listed ("ok"), or its error.
 */
struct json_object *hvc_report_hosts_json(const struct hvc_plan_host *hosts, size_t n);

/* How a plan, rollout or rollback is printed for people. */
struct hvc_report_opts {
	bool verbose; /* every guest in detail and every kernel log line (else the first three) */
	bool quiet; /* only the names of the guests that need attention (and why they failed) */
	/* More rows than this: the table, then only the guests that need attention in detail
	 * (the compact form), unless verbose. 0: never. */
	size_t compact_over;
	struct hvc_table_opts table;
};

/*
 * True if a guest needs someone's attention after this run: failed, blocked, not reached
 * (interrupted), changes pending or waiting for a restart (plan); failed, stale, deferred
 * without a verified restart (rollout, rollback).
 */
bool hvc_report_needs_attention(const struct hvc_guest_plan *gp, enum hvc_report_kind kind);

/*
 * A plan, rollout or rollback (kind) as text on f: the table, the guests in detail, the
 * summary; with o->quiet only the names of the guests that need attention, one a line, on
 * f, and one line per failed guest saying why (and the restart summary) on err. Or as a
 * JSON object the caller releases with json_object_put(). Never fail; borrow p.
 */
void hvc_report_plan_text(FILE *f, FILE *err, const struct hvc_plan *p, enum hvc_report_kind kind,
	const struct hvc_report_opts *o);
struct json_object *hvc_report_plan_json(const struct hvc_plan *p, enum hvc_report_kind kind);
/* One guest's object, as in the "guests" array. */
struct json_object *hvc_report_guest_json(
	const struct hvc_guest_plan *gp, enum hvc_report_kind kind);

/* The top-level JSON document: {"hvclock": VERSION, "schema": N, "command": ..., ...}. */
struct json_object *hvc_report_document(const char *command);

/* Print o as pretty JSON with a trailing newline. */
void hvc_report_print_json(FILE *f, struct json_object *o);
