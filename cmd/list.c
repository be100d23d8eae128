/* list.c: `hvclock list`: the guests the backends see, with type, boot path and state. */
#include <errno.h>
#include <stdio.h>

#include "cmd/command.h"
#include "core/conffile.h"
#include "core/report.h"

static int list_run(struct hvc_ctx *ctx, int argc, char **argv);

const struct hvc_command hvc_cmd_list = {
	.name = "list",
	.usage = "",
	.summary = "list the guests of every connection, running or not",
	.in = HVC_IN_LIST,
	.run = list_run,
};

static int list_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	struct hvc_fleet fleet;
	struct hvc_guest_list all = { 0 };
	struct hvc_table_opts table;
	struct hvc_config cfg = { 0 };
	bool failed;
	int r;

	if (hvc_options_parse(ctx, &hvc_cmd_list, argc, argv, NULL, NULL, &r) < 0)
		return r;
	if (optind < argc)
		return hvc_usage_error(&hvc_cmd_list, "unexpected argument '%s'", argv[optind]);
	if (hvc_table_options(ctx, &hvc_cmd_list, hvc_report_list_columns, &table) != 0)
		return HVC_EXIT_USAGE;
	if (hvc_ctx_load_config(ctx, &cfg) < 0)
		return HVC_EXIT_CANNOT_START;
	r = hvc_fleet_open(ctx, &cfg, true, true, &fleet);
	hvc_config_finish(&cfg);
	if (r < 0)
		return HVC_EXIT_CANNOT_START;

	/* One list across connections; the guests stay owned by the fleet. */
	for (size_t b = 0; b < fleet.n; b++)
		for (size_t i = 0; i < fleet.lists[b].n; i++) {
			all.guests = xrealloc(all.guests, all.n + 1, sizeof(*all.guests));
			all.guests[all.n++] = fleet.lists[b].guests[i];
		}
	errno = 0; /* hvc_stdout_flush(): the cause of a failed write */
	if (ctx->json) {
		struct hvc_plan hosts = { 0 };
		hvc_fleet_plan_hosts(&fleet, &hosts);
		struct json_object *doc = hvc_report_list_json(&all, hosts.hosts, hosts.n_hosts);
		hvc_report_print_json(stdout, doc);
		json_object_put(doc);
		hvc_plan_finish(&hosts);
	} else {
		hvc_report_list_text(stdout, &all, &table);
	}
	hvc_stdout_flush();
	free(all.guests);
	/* One host down is that host's error: the others are listed. */
	failed = hvc_fleet_log_failed(&fleet);
	hvc_fleet_close(&fleet);
	return failed ? HVC_EXIT_FAILED : HVC_EXIT_OK;
}
