/*
 * options.h: every option of hvclock in one table (name, short letter, argument,
 * help text, the commands that take it). The table builds getopt_long's arrays
 * and the option part of `hvclock help`; tests/cli/t-options.sh checks it
 * against hvclock(1)'s OPTIONS. A command parses its own argv with
 * hvc_options_parse() and handles its own options itself (git's builtin/ shape).
 */
#pragma once

#include <getopt.h>
#include <stdio.h>

/* Where an option is taken: a mask. */
enum {
	HVC_IN_MAIN = 1 << 0, /* before the command */
	HVC_IN_PLAN = 1 << 1,
	HVC_IN_ROLLOUT = 1 << 2,
	HVC_IN_ROLLBACK = 1 << 3,
	HVC_IN_LIST = 1 << 4,
	HVC_IN_CHECK = 1 << 5,
};
#define HVC_IN_COMMANDS \
	(HVC_IN_PLAN | HVC_IN_ROLLOUT | HVC_IN_ROLLBACK | HVC_IN_LIST | HVC_IN_CHECK)
#define HVC_IN_ALL (HVC_IN_MAIN | HVC_IN_COMMANDS)

/* Values of the options without a short letter (the others are their letter). */
enum {
	HVC_OPT_JSON = 0x100,
	HVC_OPT_PROFILES_DIR,
	HVC_OPT_CONFIG,
	HVC_OPT_USER,
	HVC_OPT_KNOWN_HOSTS,
	HVC_OPT_ACCEPT_NEW,
	HVC_OPT_PARALLEL,
	HVC_OPT_PARALLEL_PER_HOST,
	HVC_OPT_GUEST_ADDRESS,
	HVC_OPT_CONNECT_TIMEOUT,
	HVC_OPT_COMMAND_TIMEOUT,
	HVC_OPT_DEADLINE,
	HVC_OPT_NO_AGENT,
	HVC_OPT_WAIT_SSH,
	HVC_OPT_AGENT,
	HVC_OPT_NO_VERIFY_IDENTITY,
	HVC_OPT_ALL_GUESTS,
	HVC_OPT_RESTART,
	HVC_OPT_BATCH,
	HVC_OPT_CANARY,
	HVC_OPT_MAX_FAILED,
	HVC_OPT_FORCE_OFF,
	HVC_OPT_RESTART_TIMEOUT,
	HVC_OPT_PROMETHEUS,
	HVC_OPT_NAGIOS,
	HVC_OPT_JUMP,
	HVC_OPT_NOHEADINGS,
	HVC_OPT_RAW,
	HVC_OPT_WAIT_LOCK,
};

struct hvc_option {
	const char *name; /* the long name, without "--" */
	int val; /* the short letter, or an HVC_OPT_* value */
	const char *arg; /* the argument's name in the help ("URI"); NULL: takes none */
	const char *help; /* one or more lines ('\n'), for `hvclock help` */
	unsigned in; /* HVC_IN_* mask */
};

/* The table; ends with a row whose name is NULL. */
extern const struct hvc_option hvc_options[];

/*
 * getopt_long's arrays for the options taken in any place of mask (caller
 * frees both). Long options are taken by the other places too, so that an
 * option given in the wrong place can be named as such.
 */
void hvc_options_getopt(unsigned mask, struct option **ret_long, char **ret_short);

/* The row of getopt's value val, or NULL. */
const struct hvc_option *hvc_option_find(int val);

/*
 * Print the help lines of the options taken in a place of mask and in none of
 * except: "  -c, --connect URI      text".
 */
void hvc_options_print_help(FILE *f, unsigned mask, unsigned except);

struct hvc_ctx;
struct hvc_command;

/*
 * Parse the options of cmd (taken where cmd->in says) from argv, with getopt
 * from the table: the common ones into ctx (hvc_common_option()), the
 * command's own ones through own(data, val, arg), which returns < 0 after
 * printing a usage error (own NULL: the command has none). Returns 0 with
 * optind at the first operand, or -1 with *ret_exit set: HVC_EXIT_OK after -h
 * printed the usage, HVC_EXIT_USAGE after a usage error was printed.
 */
int hvc_options_parse(struct hvc_ctx *ctx, const struct hvc_command *cmd, int argc, char **argv,
	int (*own)(void *data, int val, const char *arg), void *data, int *ret_exit);
