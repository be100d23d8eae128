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
	struct hvc_table_opts table; /* -o, --noheadings, --raw (checked first by hvc_run()) */
};

/* `hvclock check`'s options (cmd/check.c). */
struct hvc_check_cli {
	const char *prometheus; /* --prometheus FILE */
	bool nagios; /* --nagios */
	bool reported; /* hvc_check_report() ran */
};

struct hvc_config;
struct hvc_host_config;

/*
 * cmd/jump.c: a [host:NAME]'s sshd: ssh =, else the URI's [USER@]HOST[:PORT] (port 0: the
 * default). -EINVAL "host NAME: ..." when neither names one.
 */
int hvc_host_ssh_address(const struct hvc_host_config *h, char **ret_user, char **ret_host,
	unsigned *ret_port, struct hvc_error *err);

/* One jump transport per [host:NAME] whose jump (or --jump) is yes or auto; ts[i]: hosts[i]'s. */
struct hvc_jumps {
	struct hvc_transport **ts;
	size_t n;
};
/* direct: the guests' transport (NULL: no jumps). An error is a set-up error. */
int hvc_jumps_make(const struct hvc_ctx *ctx, const struct hvc_config *cfg,
	const struct hvc_transport *direct, struct hvc_jumps *ret, struct hvc_error *err);
/* The jump transport for the guests of fleet host h (its [host:] section's), or NULL (directly). */
struct hvc_transport *hvc_jumps_for(const struct hvc_jumps *j, const struct hvc_fleet_host *h);
void hvc_jumps_finish(struct hvc_jumps *j);
/*
 * The host row of fleet host fh (NULL: none), connected at uri: a remote dom0 (the uri names a
 * host, or fh's [host:NAME] has ssh =) is reached over SSH at hvc_host_ssh_address(), with
 * direct's options (0 and *ret); else 0 and *ret NULL (local). < 0: err says why the remote
 * dom0 cannot be reached.
 */
int hvc_host_remote_transport(const struct hvc_config *cfg, const struct hvc_fleet_host *fh,
	const char *uri, const struct hvc_transport *direct, struct hvc_transport **ret,
	struct hvc_error *err);
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
 * The progress line on stderr (cmd/progress.c): started before hvc_engine_run() with the
 * number of guests, it sets e's progress callback; stopped after it, it prints the final
 * count and clears the line. NULL (nothing shown) unless stderr is a terminal and not -q.
 */
struct hvc_progress;
struct hvc_progress *hvc_progress_start(const struct hvc_ctx *ctx, struct hvc_engine *e, size_t n);
void hvc_progress_stop(struct hvc_progress *p, struct hvc_engine *e);

/*
 * Take the lock of the runs that change things ($HVCLOCK_LOCK_FILE, default
 * /run/hvclock/lock), held by *ret_fd until it is closed (or the process ends).
 * Held by another run: wait up to wait_s seconds for it (0: not at all), with one
 * line on stderr when the waiting starts.
 * Refused (-1, one line on stderr naming the PID that holds it, or the path and
 * the cause): the caller exits 3.
 */
int hvc_lock_take(int *ret_fd, int wait_s);
