/* rollback.c: `hvclock rollback`: undo what hvclock changed, on the named guests or all of them. */
#include "cmd/command.h"
#include "cmd/run.h"

static int rollback_run(struct hvc_ctx *ctx, int argc, char **argv);

const struct hvc_command hvc_cmd_rollback = {
	.name = "rollback",
	.usage = "(--all-guests | GUEST...)",
	.summary = "restore the boot command line, files and clocksource from before hvclock",
	.in = HVC_IN_ROLLBACK,
	.run = rollback_run,
};

static int rollback_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	struct hvc_run run = { .ctx = ctx, .cmd = &hvc_cmd_rollback, .mode = HVC_ENGINE_ROLLBACK };
	int r;

	if (hvc_options_parse(ctx, run.cmd, argc, argv, hvc_run_option, &run, &r) < 0)
		return r;
	run.names = argv + optind;
	run.n_names = (size_t)(argc - optind);
	return hvc_run(&run);
}
