/* command.h: the command table entry each cmd/<command>.c exports, the context and exit codes. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "core/backend.h"
#include "core/plan.h"
#include "core/profile.h"
#include "core/table.h"
#include "cmd/options.h"

/* Exit codes: defined once here, documented in README.md, hvclock(1) and `hvclock help`. */
enum hvc_exit {
	HVC_EXIT_OK = 0, /* done, or nothing to do */
	/* at least one guest failed (or is blocked), or a guest named was not looked at */
	HVC_EXIT_FAILED = 1,
	HVC_EXIT_USAGE = 2, /* bad command line */
	HVC_EXIT_CANNOT_START = 3, /* backend unreachable, unreadable profiles, unknown guest */
	HVC_EXIT_PENDING = 4, /* plan: changes pending (and no guest failed) */
	HVC_EXIT_WAITING =
		5, /* plan: nothing to change, a guest waits for its power-cycle/reboot */
	HVC_EXIT_OUTPUT =
		6, /* the report could not be written to stdout (full disk, closed pipe) */
};

#define HVC_ARGS_ANY ((unsigned)-1)

/* State shared by all commands: the global options and what they lead to. */
struct hvc_ctx {
	char **uris; /* -c/--connect, in order; default filled in by main */
	bool json;
	bool quiet;
	int verbose;
	char **columns; /* -o/--output, split at commas; NULL: the table's default */
	bool noheadings; /* --noheadings */
	bool raw; /* --raw */
	const char *profiles_dir;
	const char *command;

	/* Guest access (SSH); NULL/0 = not given on the command line (config, then default). */
	const char *config_path; /* --config; default HVC_SYSCONFDIR/hvclock/hvclock.conf */
	const char *identity; /* -i */
	const char *user; /* --user */
	const char *known_hosts; /* --known-hosts */
	bool accept_new; /* --accept-new */
	bool no_agent; /* --no-agent */
	bool agent; /* --agent: the agent too, even with an explicit identity */
	int parallel; /* --parallel */
	int parallel_per_host; /* --parallel-per-host */
	int connect_timeout_s, command_timeout_s, guest_deadline_s;
	int wait_ssh_s; /* --wait-ssh: keep trying to reach a guest this long */
	bool no_verify_identity; /* --no-verify-identity: a guest that reports no UUID may change */
	char **guest_addresses; /* --guest-address NAME=HOST[:PORT], repeatable */
	bool jump_set; /* --jump given: jump (enum hvc_jump) overrides every [host:] jump = */
	int jump;
};

struct hvc_command {
	const char *name;
	const char *usage; /* after "hvclock NAME " */
	const char *summary; /* one line for `hvclock help` */
	unsigned in; /* its HVC_IN_* bit: which options of the table it takes (0: none) */
	int (*run)(struct hvc_ctx *ctx, int argc, char **argv);
};

extern const struct hvc_command hvc_cmd_plan;
extern const struct hvc_command hvc_cmd_rollout;
extern const struct hvc_command hvc_cmd_rollback;
extern const struct hvc_command hvc_cmd_check;
extern const struct hvc_command hvc_cmd_list;
extern const struct hvc_command hvc_cmd_help;

void hvc_ctx_finish(struct hvc_ctx *ctx);

/* `hvclock __complete ...` (complete.c): the words of the bash completion, from the tables. */
int hvc_complete_run(struct hvc_ctx *ctx, int argc, char **argv);

/* NULL-terminated, in `hvclock help` order. */
extern const struct hvc_command *const hvc_commands[];
const struct hvc_command *hvc_command_find(const char *name);

/* Print "hvclock: <message>" to stderr. */
void hvc_log_error(const char *fmt, ...) _printf_(1, 2);

/*
 * Flush stdout right after the report (set errno to 0 before writing it); the
 * first failure's errno is kept, so the cause survives until hvc_stdout_errno()
 * is asked at the end of main().
 */
void hvc_stdout_flush(void);
/* 0, or the errno of the first failed write to stdout (EIO if unknown). */
int hvc_stdout_errno(void);
/* Print one specific line and the command's usage line; returns HVC_EXIT_USAGE. */
int hvc_usage_error(const struct hvc_command *cmd, const char *fmt, ...) _printf_(2, 3);
/* Print "usage: hvclock NAME USAGE" to f. */
void hvc_print_usage(FILE *f, const struct hvc_command *cmd);

/*
 * An option of the table (cmd/options.h) that every command and main take:
 * sets it in ctx. Returns 1 if opt was one of them (and handled), 0 if not,
 * -1 if its argument is invalid (a usage error was printed).
 */
int hvc_common_option(struct hvc_ctx *ctx, int opt, const char *arg);
/*
 * A number option's argument, from min to max, into *ret: 0, or -1 after a
 * usage error naming the option and the range was printed.
 */
int hvc_number_option(const char *arg, const char *name, int min, int max, int *ret);

/*
 * A fleet: the hosts of the run (-c URI or [host:NAME] names; else every [host:] section of
 * hvclock.conf; else the default URI), each opened and listed in its own thread, at most
 * --parallel at once. A host that cannot be opened or listed is one host's error
 * (hosts[i].error, backends[i] NULL, lists[i] empty); the others go on.
 */
struct hvc_fleet_host {
	char *name; /* its label: the [host:] NAME, else the URI's host, else "localhost" */
	char *uri;
	int parallel; /* [host:] parallel: at most this many of its guests at once; 0 not set */
	/* its [host:] section: index into the configuration's hosts (-1: a URI of none); the
	 * section it came from, not its URI, which the backend may have canonicalized */
	int config;
	char *error; /* NULL: opened and listed */
	enum hvc_error_kind error_kind;
};

struct hvc_fleet {
	struct hvc_backend **backends;
	struct hvc_guest_list *lists; /* one per backend, same index */
	struct hvc_fleet_host *hosts; /* same index */
	size_t n;
};

/*
 * 0 when at least one host answered (the failed ones are in hosts[]); -1 when none did or the
 * configuration names no such host (each error printed; exit 3). cfg may be NULL (no [host:]).
 */
struct hvc_config;
int hvc_fleet_open(struct hvc_ctx *ctx, const struct hvc_config *cfg, bool read_only,
	bool include_inactive, struct hvc_fleet *ret);
/* The host of backend b in f (NULL if none). */
const struct hvc_fleet_host *hvc_fleet_host_of(
	const struct hvc_fleet *f, const struct hvc_backend *b);
/* The report's hosts (plan->hosts, empty before): every host of f, with its error if it failed. */
struct hvc_plan;
void hvc_fleet_plan_hosts(const struct hvc_fleet *f, struct hvc_plan *plan);
/* Print each failed host's error line to stderr; true if any failed. */
bool hvc_fleet_log_failed(const struct hvc_fleet *f);
/* Load hvclock.conf (--config, $HVCLOCK_CONFIG, the default): -1 after one line on stderr. */
int hvc_ctx_load_config(const struct hvc_ctx *ctx, struct hvc_config *cfg);
void hvc_fleet_close(struct hvc_fleet *f);

/*
 * Guests named on the command line (name or UUID), or every listed guest when
 * names is empty. Unknown or ambiguous names are an error (nothing is done).
 * ret_backends[i] is the backend of ret_guests[i].
 */
int hvc_fleet_select(struct hvc_fleet *f, char **names, size_t n_names,
	struct hvc_guest ***ret_guests, struct hvc_backend ***ret_backends, size_t *ret_n);

/*
 * The table options (-o, --noheadings, --raw, whether stdout is a terminal) for a table of
 * cols: 0, or HVC_EXIT_USAGE after a one-line error naming an unknown column and the known
 * ones. ret borrows ctx.
 */
int hvc_table_options(const struct hvc_ctx *ctx, const struct hvc_command *cmd,
	const struct hvc_column *cols, struct hvc_table_opts *ret);
/*
 * A plan, rollout or rollback report with more guests than this is compact (the table, then
 * only the guests that need attention in detail): on a terminal, its rows less three; else
 * HVC_COMPACT_NOT_A_TERMINAL.
 */
#define HVC_COMPACT_NOT_A_TERMINAL 20
size_t hvc_compact_over(void);
/* The columns of cmd's table (list, check, or plan's for the others). */
const struct hvc_column *hvc_command_columns(const struct hvc_command *cmd);

/* Load the profile set from ctx->profiles_dir / $HVCLOCK_PROFILES_DIR / the installed dir. */
int hvc_ctx_load_profiles(struct hvc_ctx *ctx, struct hvc_profile_set *ret);
