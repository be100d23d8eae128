/* rollback.c: `hvclock rollback`: undo what hvclock changed, on the named guests or all of them. */
#include <getopt.h>
#include <stdio.h>

#include "cmd/command.h"
#include "cmd/run.h"

static int rollback_run(struct hvc_ctx *ctx, int argc, char **argv);

const struct hvc_command hvc_cmd_rollback = {
	.name = "rollback",
	.usage = "(--all-guests | GUEST...)",
	.summary = "restore the boot command line, files and clocksource from before hvclock",
	.run = rollback_run,
};

static int rollback_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		HVC_COMMON_LONGOPTS,
		{ "all-guests", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct hvc_run run = { .ctx = ctx, .cmd = &hvc_cmd_rollback, .mode = HVC_RUN_ROLLBACK };
	bool all = false;
	int opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, HVC_COMMON_SHORTOPTS, options, NULL)) != -1) {
		r = hvc_common_option(ctx, opt, optarg);
		if (r < 0)
			return HVC_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'h':
			hvc_print_usage(stdout, &hvc_cmd_rollback);
			return HVC_EXIT_OK;
		default:
			return hvc_run_bad_option(&hvc_cmd_rollback, argv, "ci");
		}
	}
	run.names = argv + optind;
	run.n_names = (size_t)(argc - optind);
	if (all && run.n_names > 0)
		return hvc_usage_error(&hvc_cmd_rollback,
			"give either --all-guests or guest names, "
			"not both");
	if (!all && run.n_names == 0)
		return hvc_usage_error(&hvc_cmd_rollback,
			"no guests named: give guest names or "
			"--all-guests");
	return hvc_run(&run);
}
