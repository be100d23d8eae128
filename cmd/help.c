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
	fputs("\n"
	      "Options (-c, --json, -q, -v, --profiles-dir also work after the command):\n"
	      "  -c, --connect URI     hypervisor connection; repeatable (default: "
	      "$LIBVIRT_DEFAULT_URI,\n"
	      "                        then qemu:///system)\n"
	      "      --json            machine-readable output on stdout (schema: "
	      "docs/json-schema.md)\n"
	      "  -q, --quiet           print only the summary and failures\n"
	      "  -v, --verbose         print more evidence\n"
	      "      --profiles-dir D  read remedy profiles from D (default: "
	      "$HVCLOCK_PROFILES_DIR,\n"
	      "                        then the installed profiles)\n"
	      "  -h, --help            show this help\n"
	      "  -V, --version         show the version and the compiled-in backends\n"
	      "\n"
	      "Exit codes:\n"
	      "  0  done, or nothing to do\n"
	      "  1  at least one guest failed or is blocked (the report says which and why)\n"
	      "  2  usage error\n"
	      "  3  could not start: backend unreachable, unreadable profiles, unknown guest;\n"
	      "     nothing was changed\n"
	      "  4  plan only: changes are pending (and no guest failed)\n",
		stdout);
	return HVC_EXIT_OK;
}
