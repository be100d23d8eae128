/*
 * complete.c: `hvclock [-c URI]... __complete WHAT [COMMAND]`: the words the bash completion
 * (completion/hvclock.bash) offers, printed one per line from the tables themselves, so the
 * completion keeps no list of its own (git's --git-completion-helper is the model). Not a
 * command of the table: `hvclock help` does not list it.
 *   commands           the command names
 *   options [COMMAND]  the options taken before the command, or after COMMAND:
 *                      "--name" or "--name ARG", and "-x" or "-x ARG" for a short letter
 *   arguments          the options that take an argument, wherever taken (same form)
 *   columns [COMMAND]  the column names of COMMAND's table for -o/--output (default: plan's)
 *   guests             the guest names of the connections (-c, else the default one), as
 *                      `hvclock list` finds them; a name a shell would split is left out
 */
#include <stdio.h>

#include "cmd/command.h"
#include "core/conffile.h"

static void print_options(unsigned mask, bool only_with_arg)
{
	for (const struct hvc_option *o = hvc_options; o->name; o++) {
		if (!(o->in & mask) || (only_with_arg && !o->arg))
			continue;
		printf("--%s%s%s\n", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		if (o->val < 0x100)
			printf("-%c%s%s\n", o->val, o->arg ? " " : "", o->arg ? o->arg : "");
	}
}

/* A word bash's completion can offer as is: printable ASCII without shell syntax. */
static bool plain_word(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || strchr("\"'`$\\!&|;<>()[]{}*?#~=%", *s))
			return false;
	return true;
}

int hvc_complete_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (streq(what, "commands") && argc == 2) {
		for (size_t i = 0; hvc_commands[i]; i++)
			printf("%s\n", hvc_commands[i]->name);
		return HVC_EXIT_OK;
	}
	if (streq(what, "options") && argc <= 3) {
		const struct hvc_command *cmd = argc == 3 ? hvc_command_find(argv[2]) : NULL;

		if (argc == 3 && !cmd)
			return hvc_usage_error(NULL, "__complete: unknown command '%s'", argv[2]);
		print_options(cmd ? cmd->in : HVC_IN_MAIN, false);
		return HVC_EXIT_OK;
	}
	if (streq(what, "arguments") && argc == 2) {
		print_options(HVC_IN_ALL, true);
		return HVC_EXIT_OK;
	}
	if (streq(what, "columns") && argc <= 3) {
		const struct hvc_command *cmd =
			argc == 3 ? hvc_command_find(argv[2]) : &hvc_cmd_plan;
		_cleanup_free_ char *names = NULL;

		if (!cmd)
			return hvc_usage_error(NULL, "__complete: unknown command '%s'", argv[2]);
		names = hvc_table_column_names(hvc_command_columns(cmd), "\n");
		printf("%s\n", names);
		return HVC_EXIT_OK;
	}
	if (streq(what, "guests") && argc == 2) {
		struct hvc_fleet fleet;
		struct hvc_config cfg = { 0 };
		/* The [host:] sections name the hosts; a broken file only means the default. */
		int r = hvc_ctx_load_config(ctx, &cfg);

		r = hvc_fleet_open(ctx, r < 0 ? NULL : &cfg, true, true, &fleet);
		hvc_config_finish(&cfg);
		if (r < 0)
			return HVC_EXIT_CANNOT_START;
		for (size_t b = 0; b < fleet.n; b++)
			for (size_t i = 0; i < fleet.lists[b].n; i++)
				if (plain_word(fleet.lists[b].guests[i]->name))
					printf("%s\n", fleet.lists[b].guests[i]->name);
		hvc_fleet_close(&fleet);
		return HVC_EXIT_OK;
	}
	return hvc_usage_error(NULL,
		"__complete: expected commands, options [COMMAND], arguments, columns "
		"[COMMAND] or guests");
}
