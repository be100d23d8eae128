/* help.c: `hvclock help [COMMAND]`: commands, options and exit codes, from the command table. */
#include <stdio.h>

#include "cmd/command.h"

static int help_run(struct hvc_ctx *ctx, int argc, char **argv);

const struct hvc_command hvc_cmd_help = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "show this help, or the usage of one command",
	.run = help_run,
};

static int help_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	if (argc > 2)
		return hvc_usage_error(&hvc_cmd_help, "too many arguments");
	if (argc == 2) {
		const struct hvc_command *cmd = hvc_command_find(argv[1]);
		if (!cmd)
			return hvc_usage_error(&hvc_cmd_help, "unknown command '%s'", argv[1]);
		hvc_print_usage(stdout, cmd);
		printf("%s\n", cmd->summary);
		if (cmd->in) {
			/* Its own options; the common ones are in `hvclock help`. */
			bool any = false;
			for (const struct hvc_option *o = hvc_options; o->name && !any; o++)
				any = (o->in & cmd->in) && !(o->in & HVC_IN_MAIN);
			if (any) {
				printf("\nOptions of %s (after it; and those of 'hvclock help'):\n",
					cmd->name);
				hvc_options_print_help(stdout, cmd->in, HVC_IN_MAIN);
			}
			_cleanup_free_ char *cols =
				hvc_table_column_names(hvc_command_columns(cmd), ", ");
			printf("\nColumns of its table (-o, --output): %s\n", cols);
		}
		return HVC_EXIT_OK;
	}
	fputs("usage: hvclock [OPTIONS] COMMAND [ARGS]\n"
	      "\n"
	      "Fix guest clocksource instability across the guests of a KVM or Xen host.\n"
	      "\n"
	      "Commands:\n",
		stdout);
	for (size_t i = 0; hvc_commands[i]; i++)
		printf("  %-9s %s\n", hvc_commands[i]->name, hvc_commands[i]->summary);
	fputs("\nOptions (before or after the command):\n", stdout);
	hvc_options_print_help(stdout, HVC_IN_MAIN, 0);
	fputs("\n"
	      "Exit codes:\n"
	      "  0  done, or nothing to do\n"
	      "  1  at least one guest failed or is blocked (the report says which and why), or\n"
	      "     a guest named on the command line could not be looked at (shut off,\n"
	      "     transient, paused or no address)\n"
	      "  2  usage error\n"
	      "  3  could not start: backend unreachable, unreadable profiles or configuration,\n"
	      "     unknown guest, another run holds the lock, no SSH credentials, an\n"
	      "     unreadable -i or --known-hosts file; nothing changed\n"
	      "  4  plan only: changes are pending (and no guest failed)\n"
	      "  5  plan only: nothing to change, but a guest waits for its power-cycle or\n"
	      "     reboot (and no guest failed)\n"
	      "  6  the report could not be written to stdout (full disk, closed pipe)\n",
		stdout);
	return HVC_EXIT_OK;
}
