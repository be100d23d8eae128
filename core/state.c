/* state.c: hvclock's own record on the host: STATE_DIR/guests/UUID.json, written and read back. */
#include <errno.h>
#include <json-c/json.h>
#include <unistd.h>

#include "core/report.h"
#include "core/state.h"

void hvc_state_load_recorded(struct hvc_guest *g)
{
	_cleanup_free_ char *path = xasprintf("%s/guests/%s.json", hvc_state_dir(), g->uuid);
	struct json_object *o = g->uuid[0] ? json_object_from_file(path) : NULL;
	struct json_object *remedy, *profile;

	g->has_host_state = o != NULL;
	if (o && json_object_object_get_ex(o, "remedy", &remedy) &&
		json_object_object_get_ex(remedy, "profile", &profile) &&
		json_object_is_type(profile, json_type_string))
		free_and_strdup(&g->recorded_profile, json_object_get_string(profile));
	json_object_put(o);
	if (!g->recorded_profile && g->has_record && g->record.profile)
		free_and_strdup(&g->recorded_profile, g->record.profile);
}

static void record_one(
	const char *dir, const struct hvc_guest_plan *gp, bool rollback, char ***warnings)
{
	_cleanup_free_ char *path = xasprintf("%s/%s.json", dir, gp->guest->uuid);
	struct hvc_error err = { 0 };
	int r = 0;

	if (!gp->guest->uuid[0])
		return;
	if (!rollback && hvc_guest_plan_changed(gp)) {
		struct json_object *o = hvc_report_guest_json(gp, HVC_REPORT_ROLLOUT);
		_cleanup_free_ char *now = now_iso8601();
		json_object_object_add(o, "time", json_object_new_string(now));
		const char *text = json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
		r = hvc_write_file_atomic(path, text, strlen(text), 0600, &err);
		json_object_put(o);
	} else if (rollback && gp->result != HVC_RESULT_FAILED &&
		gp->result != HVC_RESULT_SKIPPED && gp->result != HVC_RESULT_NONE) {
		if (unlink(path) < 0 && errno != ENOENT)
			r = -errno;
	}
	if (r < 0)
		strv_consume(warnings,
			xasprintf("cannot update %s: %s", path,
				hvc_error_is_set(&err) ? err.msg : strerror(-r)));
}

void hvc_state_record(const struct hvc_plan *plan, bool rollback, char ***warnings)
{
	_cleanup_free_ char *dir = xasprintf("%s/guests", hvc_state_dir());
	struct hvc_error err = { 0 };

	/* Never a symlink, nor a directory someone else owns or may write to. */
	if (hvc_mkdir_private(hvc_state_dir(), &err) < 0 || hvc_mkdir_private(dir, &err) < 0) {
		strv_consume(warnings, xasprintf("host state not recorded: %s", err.msg));
		return;
	}
	for (size_t i = 0; i < plan->n; i++)
		record_one(dir, &plan->guests[i], rollback, warnings);
	if (plan->host)
		record_one(dir, plan->host, rollback, warnings);
}
