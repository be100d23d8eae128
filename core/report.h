/* report.h: plan, rollout and list output, as a text table for people and as JSON. */
#pragma once

#include <stdio.h>

#include <json-c/json.h>

#include "core/plan.h"

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

/*
 * `hvclock list`: the guests as a text table on f, or as a JSON object (caller
 * releases it with json_object_put()). Never fail; borrow l.
 */
void hvc_report_list_text(FILE *f, const struct hvc_guest_list *l);
struct json_object *hvc_report_list_json(const struct hvc_guest_list *l);

/*
 * A plan, rollout or rollback (kind) as text on f (verbose: every kernel log
 * line of the evidence, not the first three; quiet: no table or per-guest
 * part, only failed or blocked guests and the summary) or as a JSON object
 * the caller releases with json_object_put(). Never fail; borrow p.
 */
void hvc_report_plan_text(
	FILE *f, const struct hvc_plan *p, enum hvc_report_kind kind, bool verbose, bool quiet);
struct json_object *hvc_report_plan_json(const struct hvc_plan *p, enum hvc_report_kind kind);
/* One guest's object, as in the "guests" array. */
struct json_object *hvc_report_guest_json(
	const struct hvc_guest_plan *gp, enum hvc_report_kind kind);

/* The top-level JSON document: {"hvclock": VERSION, "schema": N, "command": ..., ...}. */
struct json_object *hvc_report_document(const char *command);

/* Print o as pretty JSON with a trailing newline. */
void hvc_report_print_json(FILE *f, struct json_object *o);
