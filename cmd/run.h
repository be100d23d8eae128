/* run.h: the pipeline shared by `plan`, `rollout` and `rollback`. */
#pragma once

#include "cmd/command.h"

enum hvc_run_mode {
	HVC_RUN_PLAN,
	HVC_RUN_ROLLOUT,
	HVC_RUN_ROLLBACK,
};

struct hvc_run {
	struct hvc_ctx *ctx;
	const struct hvc_command *cmd;
	enum hvc_run_mode mode;
	const char *profile_name; /* --profile */
	char **names; /* guests named on the command line */
	size_t n_names;
	bool all; /* --all-guests */
};

/*
 * Connect, select guests, then per guest in a bounded pool of workers:
 * reach it, inspect it, plan, and (rollout/rollback) carry out; print the
 * report; return the exit code.
 */
int hvc_run(struct hvc_run *run);

/*
 * Parse the options of plan, rollout or rollback (the common ones, --all-guests,
 * and --profile except for rollback) and run. Returns the exit code.
 */
int hvc_run_command(struct hvc_ctx *ctx, const struct hvc_command *cmd, enum hvc_run_mode mode,
	int argc, char **argv);

/* Report the option getopt stopped at as a usage error. */
int hvc_run_bad_option(const struct hvc_command *cmd, char **argv, const char *with_arg);
