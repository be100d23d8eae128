/* report.c: text tables and JSON documents for list, plan and rollout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/report.h"
#include "core/clocksource.h"
#include "core/restart.h"

#include <json-c/printbuf.h>

/*
 * Text reports are composed in memory and written through hvc_escape() in one place, so
 * no byte from a guest, the network or a domain name reaches the terminal raw, whichever
 * field it came in. Fields whose width or line structure matters (names, free-text
 * messages) are escaped on their own as well: escaping is idempotent.
 */
struct text_out {
	FILE *f;
	char *buf;
	size_t len;
};

static FILE *text_begin(struct text_out *t)
{
	t->buf = NULL;
	t->len = 0;
	t->f = open_memstream(&t->buf, &t->len);
	if (!t->f)
		abort(); /* out of memory, as xmalloc() */
	return t->f;
}

static void text_end(struct text_out *t, FILE *f)
{
	_cleanup_free_ char *esc = NULL;

	fclose(t->f);
	esc = hvc_escape(t->buf, t->len, HVC_ESCAPE_CONTROLS | HVC_ESCAPE_KEEP_NEWLINE);
	fputs(esc, f);
	free(t->buf);
}

static const char *status_text(const struct hvc_guest_plan *gp)
{
	switch (gp->status) {
	case HVC_PLAN_PENDING:
		return "changes pending";
	case HVC_PLAN_NOTHING:
		return "nothing to do";
	case HVC_PLAN_POWER_CYCLE:
		/* A host config waits for a power-cycle; the guest's own boot loader for a reboot. */
		for (size_t i = 0; i < gp->n_actions; i++)
			if (gp->actions[i].state == HVC_ACTION_POWER_CYCLE &&
				streq_ptr(gp->actions[i].takes_effect, "power-cycle"))
				return "waiting for power-cycle";
		return "waiting for reboot";
	case HVC_PLAN_NO_REMEDY:
		return "no remedy";
	case HVC_PLAN_SKIPPED:
		return "skipped";
	case HVC_PLAN_BLOCKED:
		return "blocked";
	default:
		return "failed";
	}
}

static const char *result_text(enum hvc_result r)
{
	switch (r) {
	case HVC_RESULT_APPLIED:
		return "applied";
	case HVC_RESULT_IN_PLACE:
		return "already in place";
	case HVC_RESULT_DEFERRED:
		return "deferred";
	case HVC_RESULT_SKIPPED:
		return "skipped";
	case HVC_RESULT_FAILED:
		return "failed";
	case HVC_RESULT_STALE:
		return "stale (changed since the plan)";
	default:
		return "not attempted";
	}
}

/* ---- list ---- */

static char *cell_name(const struct hvc_guest *g)
{
	return hvc_escape_terminal(g->name);
}

static char *cell_host(const struct hvc_guest *g)
{
	return g->host ? hvc_escape_terminal(g->host) : NULL;
}

static char *cell_kind(const struct hvc_guest *g)
{
	char kind[64];
	return xstrdup(hvc_guest_kind(g, kind, sizeof(kind)));
}

static char *list_guest(const void *r)
{
	return cell_name(r);
}
static char *list_state(const void *r)
{
	return xstrdup(hvc_state_to_string(((const struct hvc_guest *)r)->state));
}
static char *list_kind(const void *r)
{
	return cell_kind(r);
}
static char *list_boot(const void *r)
{
	return xstrdup(hvc_boot_path_to_string(((const struct hvc_guest *)r)->boot));
}
static char *list_persistent(const void *r)
{
	return xstrdup(((const struct hvc_guest *)r)->persistent ? "yes" : "no");
}
static char *list_uri(const void *r)
{
	return hvc_escape_terminal(((const struct hvc_guest *)r)->uri);
}
static char *list_uuid(const void *r)
{
	return xstrdup_or_null(((const struct hvc_guest *)r)->uuid);
}
static char *list_host(const void *r)
{
	return cell_host(r);
}

/* clang-format off */
const struct hvc_column hvc_report_list_columns[] = {
	{ "HOST", NULL, HVC_COL_DEFAULT_HOSTS, list_host },
	{ "GUEST", NULL, HVC_COL_DEFAULT, list_guest },
	{ "STATE", NULL, HVC_COL_DEFAULT, list_state },
	{ "KIND", NULL, HVC_COL_DEFAULT, list_kind },
	{ "BOOT", NULL, HVC_COL_DEFAULT, list_boot },
	{ "PERSISTENT", NULL, HVC_COL_DEFAULT, list_persistent },
	{ "URI", NULL, HVC_COL_DEFAULT | HVC_COL_TRUNC, list_uri },
	{ "UUID", NULL, 0, list_uuid },
	{ NULL, NULL, 0, NULL },
};
/* clang-format on */

void hvc_report_list_text(FILE *f, const struct hvc_guest_list *l, const struct hvc_table_opts *o)
{
	struct text_out t;
	hvc_table_print(text_begin(&t), hvc_report_list_columns,
		HVC_COL_DEFAULT |
			(hvc_guests_several_hosts(l->guests, l->n) ? HVC_COL_DEFAULT_HOSTS : 0),
		o, (const void *const *)l->guests, l->n);
	text_end(&t, f);
}

/* Every JSON string goes through here: valid UTF-8 whatever a guest sent. */
static struct json_object *json_string(const char *v)
{
	_cleanup_free_ char *u = hvc_utf8_sanitize(v);
	return u ? json_object_new_string(u) : NULL;
}

static void json_add_string(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_string(v));
}

static struct json_object *json_strv(char *const *l)
{
	struct json_object *a = json_object_new_array();
	STRV_FOREACH (s, l)
		json_object_array_add(a, json_string(*s));
	return a;
}

/* An error kind: null for none. */
static struct json_object *json_error_kind(enum hvc_error_kind k)
{
	return k == HVC_ERRKIND_NONE ? NULL : json_string(hvc_error_kind_to_string(k));
}

static struct json_object *json_tristate(enum hvc_tristate t)
{
	return t == HVC_UNKNOWN ? NULL : json_object_new_boolean(t == HVC_YES);
}

static struct json_object *guest_json(const struct hvc_guest *g)
{
	struct json_object *o = json_object_new_object();

	json_add_string(o, "name", g->name);
	json_add_string(o, "uuid", g->uuid);
	json_add_string(o, "backend", g->backend);
	json_add_string(o, "uri", g->uri);
	json_add_string(o, "host", g->host);
	json_add_string(o, "state", hvc_state_to_string(g->state));
	json_object_object_add(o, "persistent", json_object_new_boolean(g->persistent));
	json_add_string(o, "hypervisor", hvc_hypervisor_to_string(g->hypervisor));
	json_add_string(o, "type", hvc_guest_type_to_string(g->type));
	json_add_string(o, "boot", hvc_boot_path_to_string(g->boot));
	json_add_string(o, "boot_detail", g->boot_detail);
	json_add_string(o, "kernel", g->kernel);
	json_add_string(o, "cmdline", g->has_cmdline ? g->cmdline : NULL);
	json_add_string(o, "os_id", g->os_id);
	json_add_string(o, "arch", g->arch);
	json_add_string(o, "error", g->error);
	return o;
}

static struct json_object *facts_json(const struct hvc_facts *f)
{
	struct json_object *o = json_object_new_object();
	struct json_object *log = json_object_new_array();

	json_object_object_add(o, "inspected", json_object_new_boolean(f->inspected));
	json_add_string(o, "kernel_release", f->kernel_release);
	json_add_string(o, "kernel_release_source", f->kernel_release_source);
	json_add_string(o, "os_release", f->os_release);
	json_add_string(o, "uuid_dmi", f->uuid_dmi);
	json_add_string(o, "uuid_xen", f->uuid_xen);
	json_add_string(o, "current_clocksource", f->current_clocksource);
	json_add_string(o, "current_clocksource_cost",
		f->current_clocksource ? hvc_cs_cost_to_string(hvc_clocksource_cost(
						 f->current_clocksource, f->kernel_release, NULL))
				       : NULL);
	json_object_object_add(o, "available_clocksources",
		f->available_clocksources ? json_strv(f->available_clocksources) : NULL);
	json_add_string(o, "proc_cmdline", f->proc_cmdline);
	json_object_object_add(o, "independent_wallclock",
		f->has_independent_wallclock == HVC_YES
			? json_object_new_int(f->independent_wallclock)
			: NULL);
	json_object_object_add(o, "constant_tsc", json_tristate(f->constant_tsc));
	json_object_object_add(o, "nonstop_tsc", json_tristate(f->nonstop_tsc));
	json_object_object_add(o, "tsc_reliable", json_tristate(f->tsc_reliable));
	json_add_string(o, "timesync", f->timesync);
	json_object_object_add(o, "timesync_active", json_tristate(f->timesync_active));
	json_add_string(o, "bootloader",
		f->bootloader == HVC_BOOTLOADER_UNKNOWN ? NULL
							: hvc_bootloader_to_string(f->bootloader));
	json_add_string(o, "bootloader_file", f->grub_cmdline_file);
	json_add_string(o, "bootloader_default_file", f->grub_cmdline_default_file);
	json_add_string(o, "sysctl_boot", f->sysctl_boot);
	json_add_string(o, "sysctl_boot_evidence", f->sysctl_boot_evidence);
	json_object_object_add(o, "uptime_seconds",
		f->uptime_seconds >= 0 ? json_object_new_int64(f->uptime_seconds) : NULL);
	for (size_t i = 0; i < f->n_log; i++) {
		struct json_object *l = json_object_new_object();
		json_add_string(l, "symptom", hvc_symptom_to_string(f->log[i].symptom));
		json_add_string(l, "line", f->log[i].text);
		json_object_array_add(log, l);
	}
	json_object_object_add(o, "log", log);
	json_add_string(o, "log_source", f->log_source);
	json_object_object_add(
		o, "hvclock_state_in_guest", json_object_new_boolean(f->has_guest_state));
	return o;
}

struct json_object *hvc_report_document(const char *command)
{
	struct json_object *o = json_object_new_object();
	json_add_string(o, "hvclock", HVC_VERSION);
	json_object_object_add(o, "schema", json_object_new_int(HVC_JSON_SCHEMA));
	json_add_string(o, "command", command);
	return o;
}

struct json_object *hvc_report_hosts_json(const struct hvc_plan_host *hosts, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		const struct hvc_plan_host *h = &hosts[i];
		struct json_object *o = json_object_new_object();

		json_add_string(o, "name", h->name);
		json_add_string(o, "uri", h->uri);
		json_add_string(o, "status", h->error ? "failed" : "ok");
		json_add_string(o, "error", h->error);
		json_object_object_add(
			o, "error_kind", h->error ? json_error_kind(h->error_kind) : NULL);
		json_object_object_add(o, "guests", json_object_new_int64((int64_t)h->guests));
		json_object_array_add(a, o);
	}
	return a;
}

struct json_object *hvc_report_list_json(
	const struct hvc_guest_list *l, const struct hvc_plan_host *hosts, size_t n_hosts)
{
	struct json_object *doc = hvc_report_document("list");
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < l->n; i++)
		json_object_array_add(a, guest_json(l->guests[i]));
	json_object_object_add(doc, "guests", a);
	json_object_object_add(doc, "hosts", hvc_report_hosts_json(hosts, n_hosts));
	return doc;
}

void hvc_report_print_json(FILE *f, struct json_object *o)
{
	fputs(json_object_to_json_string_ext(o,
		      JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			      JSON_C_TO_STRING_NOSLASHESCAPE),
		f);
	fputc('\n', f);
}

/* ---- plan and rollout ---- */

static struct json_object *action_json(const struct hvc_action *a, enum hvc_report_kind kind)
{
	struct json_object *o = json_object_new_object();

	json_add_string(o, "kind", hvc_action_kind_to_string(a->kind));
	json_add_string(o, "state", hvc_action_state_to_string(a->state));
	json_object_object_add(o, "check_only", json_object_new_boolean(a->check_only));
	json_add_string(o, "target", a->target);
	json_add_string(o, "key", a->key);
	json_add_string(o, "before", a->before);
	json_add_string(o, "after", a->after);
	json_object_object_add(o, "set", json_strv(a->set));
	json_object_object_add(o, "remove", json_strv(a->remove));
	json_add_string(o, "takes_effect", a->takes_effect);
	json_add_string(o, "note", a->note);
	json_object_object_add(o, "changed",
		json_object_new_boolean(kind != HVC_REPORT_PLAN && hvc_action_changed(a)));
	json_object_object_add(o, "error_kind", json_error_kind(a->error_kind));
	if (kind != HVC_REPORT_PLAN) {
		json_add_string(o, "result", hvc_result_to_string(a->result));
		json_add_string(o, "result_message", a->result_msg);
	}
	return o;
}

/* rollout --restart: "restart" and "verification" of one guest. */
static void restart_json(struct json_object *o, const struct hvc_restart *rs)
{
	struct json_object *r = json_object_new_object();
	struct json_object *v = NULL;

	json_add_string(r, "needed", hvc_restart_action_to_string(rs->needed));
	json_add_string(r, "action", hvc_restart_action_to_string(rs->action));
	json_add_string(r, "result", hvc_restart_result_to_string(rs->result));
	json_add_string(r, "reason", rs->reason);
	json_add_string(r, "boot_id_before", rs->boot_id_before);
	json_add_string(r, "boot_id_after", rs->boot_id_after);
	json_object_object_add(o, "restart", r);
	if (rs->result == HVC_RESTART_DONE) {
		v = json_object_new_object();
		json_add_string(v, "result", hvc_verify_result_to_string(rs->verification));
		json_object_object_add(v, "differences", json_strv(rs->differences));
	}
	json_object_object_add(o, "verification", v);
}

struct json_object *hvc_report_guest_json(
	const struct hvc_guest_plan *gp, enum hvc_report_kind kind)
{
	struct json_object *o = guest_json(gp->guest);
	struct json_object *remedy = json_object_new_object();
	struct json_object *actions = json_object_new_array();
	const struct hvc_decision *d = &gp->decision;

	json_add_string(o, "status", hvc_plan_status_to_string(gp->status));
	json_add_string(o, "status_reason", gp->status_reason);
	json_add_string(remedy, "profile", d->profile ? d->profile->name : NULL);
	json_add_string(remedy, "row", d->profile ? d->profile->row : NULL);
	json_add_string(remedy, "summary", d->profile ? d->profile->summary : NULL);
	json_object_object_add(remedy, "forced", json_object_new_boolean(d->forced));
	json_add_string(remedy, "reason", d->reason);
	json_object_object_add(remedy, "unverified", json_strv(d->unverified));
	json_object_object_add(o, "remedy", remedy);
	json_add_string(o, "address", gp->reach.address);
	json_add_string(o, "address_source", gp->reach.address_source);
	json_add_string(o, "jump", gp->reach.jump);
	json_object_object_add(o, "addresses_refused", json_strv(gp->reach.addresses_refused));
	json_add_string(o, "inspect_error", gp->reach.inspect_error);
	json_object_object_add(o, "inspect_error_kind", json_error_kind(gp->reach.error_kind));
	json_add_string(o, "identity", hvc_identity_to_string(gp->reach.identity));
	json_add_string(o, "identity_detail", gp->reach.identity_detail);
	json_object_object_add(o, "facts", facts_json(&gp->guest->facts));
	for (size_t i = 0; i < gp->n_actions; i++)
		json_object_array_add(actions, action_json(&gp->actions[i], kind));
	json_object_object_add(o, "actions", actions);
	json_object_object_add(o, "changed",
		json_object_new_boolean(kind != HVC_REPORT_PLAN && hvc_guest_plan_changed(gp)));
	json_object_object_add(o, "error_kind", json_error_kind(gp->error_kind));
	json_object_object_add(o, "elapsed_ms", json_object_new_int64(gp->elapsed_ms));
	if (kind != HVC_REPORT_PLAN) {
		json_add_string(o, "result", hvc_result_to_string(gp->result));
		json_add_string(o, "result_message", gp->result_msg);
	}
	if (kind == HVC_REPORT_ROLLOUT && gp->restart)
		restart_json(o, gp->restart);
	return o;
}

struct restart_counts {
	bool any;
	size_t verified, failed, not_restarted, not_needed;
};

static void count_restarts(const struct hvc_plan *p, struct restart_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < p->n; i++) {
		const struct hvc_restart *rs = p->guests[i].restart;
		if (!rs)
			continue;
		c->any = true;
		if (rs->result == HVC_RESTART_NOT_NEEDED)
			c->not_needed++;
		else if (rs->result == HVC_RESTART_DONE && rs->verification == HVC_VERIFY_VERIFIED)
			c->verified++;
		else if (rs->result == HVC_RESTART_DONE || rs->result == HVC_RESTART_FAILED)
			c->failed++;
		else
			c->not_restarted++;
	}
}

struct rollout_counts {
	size_t applied, in_place, deferred, skipped, failed;
};

static void count_results(const struct hvc_plan *p, struct rollout_counts *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < p->n; i++) {
		switch (p->guests[i].result) {
		case HVC_RESULT_APPLIED:
			c->applied++;
			break;
		case HVC_RESULT_IN_PLACE:
			c->in_place++;
			break;
		case HVC_RESULT_DEFERRED:
			c->deferred++;
			break;
		case HVC_RESULT_SKIPPED:
			c->skipped++;
			break;
		default:
			c->failed++;
			break;
		}
	}
}

/*
 * A plan document's "guests" array is not a tree of every guest: at 1000 guests that tree
 * (json-c's objects and hash tables) is about 20 KiB a guest, 20 MiB in all, on top of the
 * output text. It is an empty array whose serializer builds one guest's object at a time,
 * renders it and frees it. The bytes are json-c's own: each guest is rendered by
 * json_object_to_json_string_ext() at level 0 and moved to its level by indenting every line
 * (a rendered string holds no raw newline: JSON escapes it); the brackets and separators are
 * those of json-c's array writer for these flags (the report golden files compare them).
 */
struct guests_stream {
	const struct hvc_plan *p;
	enum hvc_report_kind kind;
};

static int pb_puts(struct printbuf *pb, const char *s)
{
	return printbuf_memappend(pb, s, (int)strlen(s));
}

static void stream_indent(struct printbuf *pb, int level, int flags)
{
	if (flags & JSON_C_TO_STRING_PRETTY)
		for (int i = 0; i < level; i++)
			pb_puts(pb, "  ");
}

static int guests_stream_write(struct json_object *jso, struct printbuf *pb, int level, int flags)
{
	const struct guests_stream *st = json_object_get_userdata(jso);
	bool pretty = flags & JSON_C_TO_STRING_PRETTY;

	pb_puts(pb, pretty ? "[\n" : "[");
	for (size_t i = 0; i < st->p->n; i++) {
		struct json_object *g = hvc_report_guest_json(&st->p->guests[i], st->kind);
		const char *t = json_object_to_json_string_ext(g, flags);

		if (i > 0)
			pb_puts(pb, pretty ? ",\n" : ",");
		if ((flags & JSON_C_TO_STRING_SPACED) && !pretty)
			pb_puts(pb, " ");
		stream_indent(pb, level + 1, flags);
		for (const char *nl; (nl = strchr(t, '\n')); t = nl + 1) {
			printbuf_memappend(pb, t, (int)(nl - t + 1));
			stream_indent(pb, level + 1, flags);
		}
		printbuf_memappend(pb, t, (int)strlen(t));
		json_object_put(g);
	}
	if (pretty) {
		if (st->p->n)
			pb_puts(pb, "\n");
		stream_indent(pb, level, flags);
	}
	return pb_puts(pb, (flags & JSON_C_TO_STRING_SPACED) && !pretty ? " ]" : "]");
}

static void guests_stream_free(struct json_object *jso, void *userdata)
{
	(void)jso;
	free(userdata);
}

struct json_object *hvc_report_plan_json(const struct hvc_plan *p, enum hvc_report_kind kind)
{
	struct json_object *doc = hvc_report_document(kind == HVC_REPORT_PLAN ? "plan"
			: kind == HVC_REPORT_ROLLOUT                          ? "rollout"
									      : "rollback");
	struct json_object *guests = json_object_new_array();
	struct json_object *sum = json_object_new_object();
	struct hvc_plan_counts c;

	if (p->n) { /* an empty one as json-c writes it (its layout differs between versions) */
		struct guests_stream *st = xmalloc(sizeof(*st));

		*st = (struct guests_stream){ .p = p, .kind = kind };
		json_object_set_serializer(guests, guests_stream_write, st, guests_stream_free);
	}
	json_object_object_add(doc, "guests", guests);
	json_object_object_add(doc, "host", p->host ? hvc_report_guest_json(p->host, kind) : NULL);
	json_object_object_add(doc, "hosts", hvc_report_hosts_json(p->hosts, p->n_hosts));

	hvc_plan_count(p, &c);
	json_object_object_add(sum, "guests", json_object_new_int64((int64_t)c.guests));
	if (kind == HVC_REPORT_PLAN) {
		json_object_object_add(sum, "changes_pending", json_object_new_int64(c.pending));
		json_object_object_add(sum, "nothing_to_do", json_object_new_int64(c.nothing));
		json_object_object_add(
			sum, "waiting_power_cycle", json_object_new_int64(c.power_cycle));
		json_object_object_add(sum, "no_remedy", json_object_new_int64(c.no_remedy));
		json_object_object_add(sum, "skipped", json_object_new_int64(c.skipped));
		json_object_object_add(sum, "blocked", json_object_new_int64(c.blocked));
		json_object_object_add(sum, "failed", json_object_new_int64(c.failed));
	} else {
		struct rollout_counts r;
		count_results(p, &r);
		json_object_object_add(sum, "applied", json_object_new_int64(r.applied));
		json_object_object_add(sum, "in_place", json_object_new_int64(r.in_place));
		json_object_object_add(sum, "deferred", json_object_new_int64(r.deferred));
		json_object_object_add(sum, "skipped", json_object_new_int64(r.skipped));
		json_object_object_add(sum, "failed", json_object_new_int64(r.failed));
		struct restart_counts rc;
		count_restarts(p, &rc);
		if (rc.any) {
			struct json_object *rj = json_object_new_object();
			json_object_object_add(rj, "verified", json_object_new_int64(rc.verified));
			json_object_object_add(rj, "failed", json_object_new_int64(rc.failed));
			json_object_object_add(
				rj, "not_restarted", json_object_new_int64(rc.not_restarted));
			json_object_object_add(
				rj, "not_needed", json_object_new_int64(rc.not_needed));
			json_object_object_add(sum, "restart", rj);
		}
	}
	json_object_object_add(doc, "summary", sum);
	return doc;
}

static const char *action_mark(const struct hvc_action *a)
{
	if (a->check_only)
		return "?";
	switch (a->state) {
	case HVC_ACTION_PENDING:
		return "+";
	case HVC_ACTION_IN_PLACE:
		return "=";
	case HVC_ACTION_POWER_CYCLE:
		return "w";
	default:
		return "!";
	}
}

static void print_action(FILE *f, const struct hvc_action *a, enum hvc_report_kind kind)
{
	_cleanup_free_ char *target = hvc_escape_terminal(a->target);
	_cleanup_free_ char *before = a->before ? hvc_escape_terminal(a->before) : NULL;
	_cleanup_free_ char *after = a->after ? hvc_escape_terminal(a->after) : NULL;
	bool is_cmdline =
		a->kind == HVC_ACTION_HOST_CMDLINE || a->kind == HVC_ACTION_GUEST_BOOTLOADER;

	fprintf(f, "    %s %-17s %s%s%s  [%s%s%s]\n", action_mark(a),
		hvc_action_kind_to_string(a->kind), target, a->key ? " " : "", a->key ? a->key : "",
		a->check_only ? "check" : hvc_action_state_to_string(a->state),
		a->takes_effect ? ", takes effect: " : "", a->takes_effect ? a->takes_effect : "");
	if (is_cmdline) {
		_cleanup_free_ char *set = strv_join(a->set, " ");
		_cleanup_free_ char *rm = strv_join(a->remove, " ");
		if (*set)
			fprintf(f, "        set:    %s\n", set);
		if (*rm)
			fprintf(f, "        remove: %s\n", rm);
		fprintf(f, "        before: %s\n",
			before ? before
				: a->kind == HVC_ACTION_HOST_CMDLINE
				? "(none: the host config has no cmdline)"
				: "(not known until the guest is inspected)");
		fprintf(f, "        after:  %s\n",
			after ? after : "(computed when the current value is known)");
	} else if (a->check_only) {
		if (before)
			fprintf(f, "        found: %s\n", before);
	} else if (before || after) {
		fprintf(f, "        %s -> %s\n", before ? before : "?", after ? after : "?");
	}
	if (a->note)
		fprintf(f, "        %s\n", a->note);
	if (kind != HVC_REPORT_PLAN && a->result != HVC_RESULT_NONE) {
		_cleanup_free_ char *msg = hvc_escape_terminal(a->result_msg);
		fprintf(f, "        result: %s%s%s\n", result_text(a->result),
			a->result_msg ? ": " : "", msg);
	}
}

static void print_evidence(FILE *f, const struct hvc_facts *fa, bool verbose)
{
	_cleanup_free_ char *kernel = hvc_escape_terminal(fa->kernel_release);

	if (!fa->inspected) {
		fprintf(f, "  evidence: guest not inspected%s%s%s\n",
			fa->kernel_release ? "; kernel " : "", kernel,
			fa->kernel_release_source ? " (from the host kernel path)" : "");
		return;
	}
	_cleanup_free_ char *joined = strv_join(fa->available_clocksources, " ");
	_cleanup_free_ char *avail = hvc_escape_terminal(joined);
	_cleanup_free_ char *cur = hvc_escape_terminal(strna(fa->current_clocksource));
	fprintf(f, "  evidence: kernel %s, clocksource %s (available: %s)\n",
		fa->kernel_release ? kernel : "n/a", cur, avail);
	if (fa->current_clocksource) {
		const char *why;
		enum hvc_cs_cost c =
			hvc_clocksource_cost(fa->current_clocksource, fa->kernel_release, &why);
		fprintf(f, "    clocksource read cost: %s%s%s%s\n", hvc_cs_cost_to_string(c),
			why ? " (" : "", why ? why : "", why ? ")" : "");
	}
	for (size_t i = 0; i < fa->n_log && (verbose || i < 3); i++) {
		_cleanup_free_ char *line = hvc_escape_terminal(fa->log[i].text);
		fprintf(f, "    log: %s\n", line);
	}
	if (!verbose && fa->n_log > 3)
		fprintf(f, "    log: ... %zu more lines (-v shows them)\n", fa->n_log - 3);
	/* an /etc/default/grub.d override wins over /etc/default/grub: say which file */
	if (fa->grub_cmdline_file && !streq(fa->grub_cmdline_file, "/etc/default/grub")) {
		_cleanup_free_ char *gf = hvc_escape_terminal(fa->grub_cmdline_file);
		fprintf(f, "    boot loader: GRUB_CMDLINE_LINUX wins in %s\n", gf);
	}
	if (fa->grub_cmdline_default_file &&
		!streq(fa->grub_cmdline_default_file, "/etc/default/grub")) {
		_cleanup_free_ char *gf = hvc_escape_terminal(fa->grub_cmdline_default_file);
		fprintf(f, "    boot loader: GRUB_CMDLINE_LINUX_DEFAULT wins in %s\n", gf);
	}
}

static char *plan_guest(const void *r)
{
	return cell_name(((const struct hvc_guest_plan *)r)->guest);
}
static char *plan_host(const void *r)
{
	return cell_host(((const struct hvc_guest_plan *)r)->guest);
}
static char *plan_kind(const void *r)
{
	return cell_kind(((const struct hvc_guest_plan *)r)->guest);
}
static char *plan_boot(const void *r)
{
	return xstrdup(hvc_boot_path_to_string(((const struct hvc_guest_plan *)r)->guest->boot));
}
static char *plan_state(const void *r)
{
	return xstrdup(hvc_state_to_string(((const struct hvc_guest_plan *)r)->guest->state));
}
static char *plan_remedy(const void *r)
{
	const struct hvc_profile *p = ((const struct hvc_guest_plan *)r)->decision.profile;
	return p ? xstrdup(p->name) : NULL;
}
static char *plan_status(const void *r)
{
	return xstrdup(status_text(r));
}
static char *plan_result(const void *r)
{
	return xstrdup(result_text(((const struct hvc_guest_plan *)r)->result));
}
static char *plan_address(const void *r)
{
	const char *a = ((const struct hvc_guest_plan *)r)->reach.address;
	return a ? hvc_escape_terminal(a) : NULL;
}
static char *plan_uuid(const void *r)
{
	return xstrdup_or_null(((const struct hvc_guest_plan *)r)->guest->uuid);
}

/* clang-format off */
const struct hvc_column hvc_report_plan_columns[] = {
	{ "HOST", NULL, HVC_COL_DEFAULT_HOSTS, plan_host },
	{ "GUEST", NULL, HVC_COL_DEFAULT, plan_guest },
	{ "KIND", NULL, HVC_COL_DEFAULT, plan_kind },
	{ "BOOT", NULL, HVC_COL_DEFAULT, plan_boot },
	{ "STATE", NULL, 0, plan_state },
	{ "REMEDY", NULL, HVC_COL_DEFAULT | HVC_COL_TRUNC, plan_remedy },
	{ "STATUS", NULL, HVC_COL_DEFAULT_PLAN, plan_status },
	{ "RESULT", NULL, HVC_COL_DEFAULT_APPLY, plan_result },
	{ "ADDRESS", NULL, HVC_COL_TRUNC, plan_address },
	{ "UUID", NULL, 0, plan_uuid },
	{ NULL, NULL, 0, NULL },
};
/* clang-format on */

static void print_table(FILE *f, const struct hvc_plan *p, enum hvc_report_kind kind,
	const struct hvc_table_opts *o)
{
	size_t n = p->n + !!p->host;
	_cleanup_free_ const void **rows = xcalloc(n ? n : 1, sizeof(*rows));

	for (size_t i = 0; i < n; i++)
		rows[i] = i < p->n ? &p->guests[i] : p->host;
	hvc_table_print(f, hvc_report_plan_columns,
		(kind == HVC_REPORT_PLAN ? HVC_COL_DEFAULT_PLAN : HVC_COL_DEFAULT_APPLY) |
			(p->n_hosts > 1 ? HVC_COL_DEFAULT_HOSTS : 0),
		o, rows, n);
}

static void print_restart(FILE *f, const struct hvc_restart *rs)
{
	_cleanup_free_ char *reason = hvc_escape_terminal(strna(rs->reason));

	fprintf(f, "  restart:  %s", hvc_restart_result_to_string(rs->result));
	if (rs->action != HVC_RESTART_ACTION_NONE)
		fprintf(f, " (%s)", hvc_restart_action_to_string(rs->action));
	else if (rs->needed != HVC_RESTART_ACTION_NONE)
		fprintf(f, " (needs %s)", hvc_restart_action_to_string(rs->needed));
	fprintf(f, ": %s\n", reason);
	if (rs->boot_id_after)
		fprintf(f, "  boot id:  %s -> %s\n", strna(rs->boot_id_before), rs->boot_id_after);
	if (rs->result != HVC_RESTART_DONE)
		return;
	fprintf(f, "  verify:   %s\n", hvc_verify_result_to_string(rs->verification));
	STRV_FOREACH (d, rs->differences) {
		_cleanup_free_ char *e = hvc_escape_terminal(*d);
		fprintf(f, "    differs: %s\n", e);
	}
}

static void print_guest(
	FILE *f, const struct hvc_guest_plan *gp, enum hvc_report_kind kind, bool verbose)
{
	const struct hvc_guest *g = gp->guest;
	const struct hvc_decision *d = &gp->decision;
	_cleanup_free_ char *name = hvc_escape_terminal(g->name);
	_cleanup_free_ char *msg = hvc_escape_terminal(gp->result_msg);
	_cleanup_free_ char *reason = hvc_escape_terminal(strna(gp->status_reason));
	char kbuf[64];

	if (kind == HVC_REPORT_PLAN)
		fprintf(f, "\n%s: %s\n", name, status_text(gp));
	else
		fprintf(f, "\n%s: %s%s%s\n", name, result_text(gp->result),
			gp->result_msg ? ": " : "", msg);
	fprintf(f, "  %s    %s, %s, %s%s\n",
		g->is_host ? "host: " : "guest:", hvc_guest_kind(g, kbuf, sizeof(kbuf)),
		hvc_boot_path_to_string(g->boot), hvc_state_to_string(g->state),
		g->persistent ? "" : ", transient");
	if (g->boot_detail) {
		_cleanup_free_ char *bd = hvc_escape_terminal(g->boot_detail);
		fprintf(f, "  boot:     %s\n", bd);
	}
	if (gp->reach.address) {
		_cleanup_free_ char *addr = hvc_escape_terminal(gp->reach.address);
		_cleanup_free_ char *via =
			gp->reach.jump ? hvc_escape_terminal(gp->reach.jump) : NULL;
		fprintf(f, "  access:   %s (from %s)%s%s\n", addr, strna(gp->reach.address_source),
			via ? " via " : "", via ? via : "");
	}
	STRV_FOREACH (a, gp->reach.addresses_refused) {
		_cleanup_free_ char *e = hvc_escape_terminal(*a);
		fprintf(f, "  refused:  %s\n", e);
	}
	/* Not planned at all (skipped, failed, refused before planning): the reason says it all. */
	if (gp->status == HVC_PLAN_SKIPPED || gp->status == HVC_PLAN_FAILED ||
		(gp->status == HVC_PLAN_BLOCKED && !d->profile && !gp->n_actions)) {
		fprintf(f, "  reason:   %s\n", reason);
		return;
	}
	if (gp->reach.identity != HVC_IDENTITY_UNCHECKED && gp->reach.identity_detail) {
		_cleanup_free_ char *e = hvc_escape_terminal(gp->reach.identity_detail);
		fprintf(f, "  identity: %s: %s\n", hvc_identity_to_string(gp->reach.identity), e);
	}
	if (gp->reach.inspect_error) {
		_cleanup_free_ char *e = hvc_escape_terminal(gp->reach.inspect_error);
		fprintf(f, "  not inspected: %s\n", e);
	}
	print_evidence(f, &g->facts, verbose);
	if (d->profile && g->is_host)
		fprintf(f, "  remedy:   %s: %s\n", d->profile->name, d->profile->summary);
	else if (d->profile)
		fprintf(f, "  remedy:   %s (row %s): %s\n", d->profile->name,
			strna(d->profile->row), d->profile->summary);
	else
		fprintf(f, "  remedy:   none\n");
	_cleanup_free_ char *why = hvc_escape_terminal(strna(d->reason));
	fprintf(f, "  why:      %s\n", why);
	if (d->unverified) {
		_cleanup_free_ char *u = strv_join(d->unverified, "; ");
		fprintf(f, "  unverified until inspected: %s\n", u);
	}
	if (gp->status == HVC_PLAN_BLOCKED && kind == HVC_REPORT_PLAN)
		fprintf(f, "  blocked:  %s\n", reason);
	if (gp->n_actions)
		fprintf(f, "  actions:\n");
	for (size_t i = 0; i < gp->n_actions; i++)
		print_action(f, &gp->actions[i], kind);
	if (kind == HVC_REPORT_ROLLOUT && gp->restart)
		print_restart(f, gp->restart);
}

/* rollout --restart: the counts, then every guest that needed a restart and did not get a verified one. */
static void restart_summary(FILE *f, const struct hvc_plan *p)
{
	struct restart_counts rc;

	count_restarts(p, &rc);
	if (!rc.any)
		return;
	fprintf(f, "restart: %zu verified, %zu failed, %zu not restarted, %zu not needed\n",
		rc.verified, rc.failed, rc.not_restarted, rc.not_needed);
	for (size_t i = 0; i < p->n; i++) {
		const struct hvc_restart *rs = p->guests[i].restart;
		if (!rs || rs->result == HVC_RESTART_NOT_NEEDED ||
			(rs->result == HVC_RESTART_DONE && rs->verification == HVC_VERIFY_VERIFIED))
			continue;
		_cleanup_free_ char *n = hvc_escape_terminal(p->guests[i].guest->name);
		_cleanup_free_ char *why = hvc_escape_terminal(strna(rs->reason));
		if (rs->result == HVC_RESTART_DONE) {
			_cleanup_free_ char *d = strv_join(rs->differences, "; ");
			_cleanup_free_ char *de = hvc_escape_terminal(strna(d));
			fprintf(f, "  %s: verification failed: %s\n", n, de);
		} else {
			fprintf(f, "  %s: %s: %s\n", n, hvc_restart_result_to_string(rs->result),
				why);
		}
	}
}

bool hvc_report_needs_attention(const struct hvc_guest_plan *gp, enum hvc_report_kind kind)
{
	if (gp->status == HVC_PLAN_FAILED || gp->status == HVC_PLAN_BLOCKED ||
		gp->error_kind == HVC_ERRKIND_INTERRUPTED)
		return true;
	if (kind == HVC_REPORT_PLAN)
		return gp->status == HVC_PLAN_PENDING || gp->status == HVC_PLAN_POWER_CYCLE;
	if (gp->restart && gp->restart->result != HVC_RESTART_NOT_NEEDED &&
		!(gp->restart->result == HVC_RESTART_DONE &&
			gp->restart->verification == HVC_VERIFY_VERIFIED))
		return true;
	return gp->result == HVC_RESULT_FAILED || gp->result == HVC_RESULT_STALE ||
		(gp->result == HVC_RESULT_DEFERRED && !gp->restart);
}

/* One line per host that failed (prefix: "" in the report, "hvclock: " on stderr). */
static void print_failed_hosts(FILE *f, const struct hvc_plan *p, const char *prefix)
{
	for (size_t i = 0; i < p->n_hosts; i++)
		if (p->hosts[i].error) {
			_cleanup_free_ char *n = hvc_escape_terminal(p->hosts[i].name);
			_cleanup_free_ char *u = hvc_escape_terminal(p->hosts[i].uri);
			_cleanup_free_ char *e = hvc_escape_terminal(p->hosts[i].error);
			fprintf(f, "%shost %s (%s): failed: %s\n", prefix, n, u, e);
		}
}

/*
 * -q: the names on f; why the failed ones failed, one line each, on err. With several hosts a
 * name is HOST/NAME (the HOST column's label): guests of two hosts may share a name, and the
 * selection takes the same form back.
 */
static void quiet_text(FILE *f, FILE *err, const struct hvc_plan *p, enum hvc_report_kind kind)
{
	/* Its guests are not named on stdout: say so where the reasons go. */
	print_failed_hosts(err, p, "hvclock: ");
	for (size_t i = 0; i < p->n + !!p->host; i++) {
		const struct hvc_guest_plan *gp = i < p->n ? &p->guests[i] : p->host;
		if (!hvc_report_needs_attention(gp, kind))
			continue;
		_cleanup_free_ char *q = p->n_hosts > 1 && gp->guest->host
			? xasprintf("%s/%s", gp->guest->host, gp->guest->name)
			: NULL;
		_cleanup_free_ char *n = hvc_escape_terminal(q ? q : gp->guest->name);
		fprintf(f, "%s\n", n);
		if (kind == HVC_REPORT_PLAN &&
			(gp->status == HVC_PLAN_FAILED || gp->status == HVC_PLAN_BLOCKED)) {
			_cleanup_free_ char *why = hvc_escape_terminal(strna(gp->status_reason));
			fprintf(err, "hvclock: %s: %s: %s\n", n, status_text(gp), why);
		} else if (kind != HVC_REPORT_PLAN && gp->result == HVC_RESULT_FAILED) {
			_cleanup_free_ char *why = hvc_escape_terminal(strna(gp->result_msg));
			fprintf(err, "hvclock: %s: failed: %s\n", n, why);
		}
	}
	if (kind == HVC_REPORT_ROLLOUT)
		restart_summary(err, p);
}

static void plan_text(FILE *f, const struct hvc_plan *p, enum hvc_report_kind kind,
	const struct hvc_report_opts *o)
{
	struct hvc_plan_counts c;
	size_t rows = p->n + !!p->host, detailed = 0;
	bool compact = !o->verbose && o->compact_over && rows > o->compact_over;

	print_table(f, p, kind, &o->table);
	for (size_t i = 0; i < rows; i++) {
		const struct hvc_guest_plan *gp = i < p->n ? &p->guests[i] : p->host;
		if (compact && !hvc_report_needs_attention(gp, kind))
			continue;
		print_guest(f, gp, kind, o->verbose);
		detailed++;
	}
	fputc('\n', f);
	if (compact)
		fprintf(f,
			"%zu of %zu guests in detail: those that need attention (-v shows every "
			"guest)\n",
			detailed, rows);
	if (kind == HVC_REPORT_PLAN) {
		hvc_plan_count(p, &c);
		fprintf(f,
			"%zu guests: %zu with changes pending, %zu nothing to do, %zu waiting for "
			"power-cycle or reboot, %zu no remedy, %zu skipped, %zu blocked, %zu "
			"failed\n",
			c.guests, c.pending, c.nothing, c.power_cycle, c.no_remedy, c.skipped,
			c.blocked, c.failed);
	} else {
		struct rollout_counts r;
		count_results(p, &r);
		fprintf(f,
			"%zu guests: %zu applied, %zu already in place, %zu deferred until "
			"power-cycle/reboot, %zu skipped, %zu failed\n",
			p->n, r.applied, r.in_place, r.deferred, r.skipped, r.failed);
		restart_summary(f, p);
	}
	print_failed_hosts(f, p, "");
	if (p->host) {
		const struct hvc_guest_plan *h = p->host;
		_cleanup_free_ char *n = hvc_escape_terminal(h->guest->name);
		const char *msg = kind == HVC_REPORT_PLAN ? h->status_reason : h->result_msg;
		_cleanup_free_ char *m = hvc_escape_terminal(msg);
		fprintf(f, "host %s: %s%s%s\n", n,
			kind == HVC_REPORT_PLAN ? status_text(h) : result_text(h->result),
			msg ? ": " : "", m);
	}
}

void hvc_report_plan_text(FILE *f, FILE *err, const struct hvc_plan *p, enum hvc_report_kind kind,
	const struct hvc_report_opts *o)
{
	struct text_out t, e;
	if (o->quiet) {
		quiet_text(text_begin(&t), text_begin(&e), p, kind);
		text_end(&t, f);
		text_end(&e, err);
		return;
	}
	plan_text(text_begin(&t), p, kind, o);
	text_end(&t, f);
}
