/* run.h: the pipeline shared by `plan`, `rollout` and `rollback`. */
#pragma once

#include "cmd/command.h"
#include "core/engine.h"

struct hvc_run {
	struct hvc_ctx *ctx;
	const struct hvc_command *cmd;
	enum hvc_engine_mode mode;
	const char *profile_name; /* --profile */
	char **names; /* guests named on the command line */
	size_t n_names;
	bool all; /* --all-guests: not with names; rollout and rollback need one of them */
	/* rollout --restart and its staging options (0 / false: not given) */
	bool restart, canary, force_off;
	int batch, max_failed, restart_timeout_s;
	int wait_lock_s; /* --wait-lock: wait this long for the lock (0: refuse at once) */
	const char *restart_only; /* the first staging option given, for "needs --restart" */
	struct hvc_check_cli *check; /* `hvclock check` (mode PLAN): its options; else NULL */
};

/* `hvclock check`'s options (cmd/check.c). */
struct hvc_check_cli {
	const char *prometheus; /* --prometheus FILE */
	bool nagios; /* --nagios */
	bool reported; /* hvc_check_report() ran */
};

struct hvc_config;
/*
 * `hvclock check`, after the engine (cmd/check.c): judge checks[i] (plan->guests[i]'s
 * samples) and the host row, print, write --prometheus; the exit code. unseen[i]: why a guest
 * named on the command line was not looked at (NULL: it was, or it was not named).
 */
int hvc_check_report(struct hvc_run *run, const struct hvc_config *cfg, const struct hvc_plan *plan,
	struct hvc_clock_check *checks, const char *const *unseen);

/*
 * Load the configuration and profiles, take the lock (rollout, rollback),
 * connect, select guests, create the transports, let the engine (core/engine.h)
 * do every guest and the host row, print the report, record the host state;
 * return the exit code.
 */
int hvc_run(struct hvc_run *run);

/* What plan, rollout and rollback run: parse cmd's options from argv, then hvc_run(). */
int hvc_run_argv(struct hvc_ctx *ctx, const struct hvc_command *cmd, enum hvc_engine_mode mode,
	int argc, char **argv);

/*
 * The own options of plan, rollout and rollback (--profile, --all-guests) into
 * the struct hvc_run data; for hvc_options_parse().
 */
int hvc_run_option(void *data, int val, const char *arg);

/*
 * Take the lock of the runs that change things ($HVCLOCK_LOCK_FILE, default
 * /run/hvclock/lock), held by *ret_fd until it is closed (or the process ends).
 * Held by another run: wait up to wait_s seconds for it (0: not at all), with one
 * line on stderr when the waiting starts.
 * Refused (-1, one line on stderr naming the PID that holds it, or the path and
 * the cause): the caller exits 3.
 */
int hvc_lock_take(int *ret_fd, int wait_s);
