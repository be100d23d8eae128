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
	      "Options (before or after the command):\n"
	      "  -c, --connect URI      hypervisor connection; repeatable (default: "
	      "$LIBVIRT_DEFAULT_URI,\n"
	      "                         then qemu:///system)\n"
	      "      --json             machine-readable output on stdout (docs/json-schema.md)\n"
	      "  -q, --quiet            print only the summary and the failed guests\n"
	      "  -v, --verbose          print more evidence\n"
	      "      --profiles-dir D   remedy profiles (default: $HVCLOCK_PROFILES_DIR, then "
	      "installed)\n"
	      "      --config FILE      configuration file (default: $HVCLOCK_CONFIG, then\n"
	      "                         SYSCONFDIR/hvclock/hvclock.conf if it exists)\n"
	      "  -i, --identity FILE    SSH private key (default: ~/.ssh/id_ed25519, id_ecdsa, "
	      "id_rsa)\n"
	      "      --user NAME        SSH user in the guests (default: root)\n"
	      "      --no-agent         do not use ssh-agent\n"
	      "      --agent            use ssh-agent too when an identity is given (-i or\n"
	      "                         identity= in the configuration offers only that key)\n"
	      "      --known-hosts FILE hvclock's known_hosts (default: "
	      "/var/lib/hvclock/known_hosts)\n"
	      "      --accept-new       record the host keys of new guests (a changed key is "
	      "refused)\n"
	      "      --guest-address NAME=HOST[:PORT]   where to reach a guest; repeatable\n"
	      "      --no-verify-identity   change guests that report no UUID (default: refuse)\n"
	      "      --parallel N       guests handled at once (default: 16)\n"
	      "      --wait-ssh S       keep trying to reach a guest that is still booting, up to "
	      "S s\n"
	      "      --connect-timeout S, --command-timeout S, --deadline S\n"
	      "                         per-guest bounds in seconds (default: 10, 60, 180)\n"
	      "  -h, --help             show this help\n"
	      "  -V, --version          show the version and the compiled-in backends (before the "
	      "command)\n"
	      "\n"
	      "Exit codes:\n"
	      "  0  done, or nothing to do\n"
	      "  1  at least one guest failed or is blocked (the report says which and why)\n"
	      "  2  usage error\n"
	      "  3  could not start: backend unreachable, unreadable profiles or configuration,\n"
	      "     unknown guest, another run holds the lock, no SSH credentials; nothing "
	      "changed\n"
	      "  4  plan only: changes are pending (and no guest failed)\n",
		stdout);
	return HVC_EXIT_OK;
}
