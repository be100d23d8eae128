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
	return hvc_run_argv(ctx, &hvc_cmd_rollback, HVC_ENGINE_ROLLBACK, argc, argv);
}
