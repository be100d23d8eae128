/* rollout.c: `hvclock rollout`: apply the plan to the named guests or to all of them. */
#include <getopt.h>
#include <stdio.h>

#include "cmd/command.h"
#include "cmd/run.h"

static int rollout_run(struct hvc_ctx *ctx, int argc, char **argv);

const struct hvc_command hvc_cmd_rollout = {
	.name = "rollout",
	.usage = "[--profile NAME] (--all-guests | GUEST...)",
	.summary = "apply the remedies, verify them by reading back, record what changed",
	.run = rollout_run,
};

static int rollout_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		HVC_COMMON_LONGOPTS,
		{ "profile", required_argument, NULL, 'p' },
		{ "all-guests", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct hvc_run run = { .ctx = ctx, .cmd = &hvc_cmd_rollout, .mode = HVC_RUN_ROLLOUT };
	bool all = false;
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
		case 'a':
			all = true;
			break;
		case 'h':
			hvc_print_usage(stdout, &hvc_cmd_rollout);
			return HVC_EXIT_OK;
		default:
			return hvc_run_bad_option(&hvc_cmd_rollout, argv, "cip");
		}
	}
	run.names = argv + optind;
	run.n_names = (size_t)(argc - optind);
	if (all && run.n_names > 0)
		return hvc_usage_error(&hvc_cmd_rollout,
			"give either --all-guests or guest names, "
			"not both");
	if (!all && run.n_names == 0)
		return hvc_usage_error(&hvc_cmd_rollout,
			"no guests named: give guest names or "
			"--all-guests");
	return hvc_run(&run);
}
