/* plan.c: `hvclock plan`: show per guest the evidence, the remedy and the exact changes. */
#include <getopt.h>
#include <stdio.h>

#include "cmd/command.h"
#include "cmd/run.h"

static int plan_run(struct hvc_ctx *ctx, int argc, char **argv);

const struct hvc_command hvc_cmd_plan = {
	.name = "plan",
	.usage = "[--profile NAME] [GUEST...]",
	.summary = "show what rollout would change, per guest, and why",
	.run = plan_run,
};

static int plan_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		HVC_COMMON_LONGOPTS,
		{ "profile", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct hvc_run run = { .ctx = ctx, .cmd = &hvc_cmd_plan, .mode = HVC_RUN_PLAN };
	int opt, r;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, HVC_COMMON_SHORTOPTS "p:", options, NULL)) != -1) {
		r = hvc_common_option(ctx, opt, optarg);
		if (r < 0)
			return HVC_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case 'p':
			run.profile_name = optarg;
			break;
		case 'h':
			hvc_print_usage(stdout, &hvc_cmd_plan);
			return HVC_EXIT_OK;
		default:
			return hvc_run_bad_option(&hvc_cmd_plan, argv, "cip");
		}
	}
	run.names = argv + optind;
	run.n_names = (size_t)(argc - optind);
	return hvc_run(&run);
}
