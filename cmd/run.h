/* run.h: the plan/rollout pipeline shared by `plan` and `rollout`. */
#pragma once

#include "cmd/command.h"

struct hvc_run {
	struct hvc_ctx *ctx;
	const struct hvc_command *cmd;
	const char *profile_name; /* --profile */
	char **names; /* guests named on the command line */
	size_t n_names;
};

/*
 * Connect, select guests, plan each one, and (if apply) roll out; print the
 * report; return the exit code.
 */
int hvc_run_plan(struct hvc_run *run, bool apply);

/* Report the option getopt stopped at as a usage error. */
int hvc_run_bad_option(const struct hvc_command *cmd, char **argv, const char *with_arg);
