/* options.c: the one option table; getopt_long's arrays and the help text come from it. */
#include <getopt.h>

#include "cmd/command.h"
#include "cmd/options.h"

/* The help text starts in this column. */
#define HELP_COLUMN 25

/* clang-format off */
const struct hvc_option hvc_options[] = {
	{ "connect", 'c', "URI",
	  "hypervisor connection, or a [host:NAME] of the configuration;\n"
	  "repeatable (default: every [host:], else $LIBVIRT_DEFAULT_URI,\n"
	  "then qemu:///system)", HVC_IN_ALL },
	{ "json", HVC_OPT_JSON, NULL, "machine-readable output on stdout (docs/json-schema.md)",
	  HVC_IN_ALL },
	{ "quiet", 'q', NULL, "print only the names of the guests that need attention", HVC_IN_ALL },
	{ "verbose", 'v', NULL, "every guest in detail, with all the evidence", HVC_IN_ALL },
	{ "output", 'o', "COLUMNS",
	  "the table's columns, comma-separated, in this order (names in\n"
	  "any case: `hvclock help COMMAND` lists them)", HVC_IN_ALL },
	{ "noheadings", HVC_OPT_NOHEADINGS, NULL, "print the table without its header line",
	  HVC_IN_ALL },
	{ "raw", HVC_OPT_RAW, NULL,
	  "the table in raw form: one space between columns, blanks in\n"
	  "a cell as \\x20", HVC_IN_ALL },
	{ "profiles-dir", HVC_OPT_PROFILES_DIR, "DIR",
	  "remedy profiles (default: $HVCLOCK_PROFILES_DIR, then installed)", HVC_IN_ALL },
	{ "config", HVC_OPT_CONFIG, "PATH",
	  "configuration file (default: $HVCLOCK_CONFIG, then\n"
	  "SYSCONFDIR/hvclock/hvclock.conf if it exists)", HVC_IN_ALL },
	{ "identity", 'i', "FILE", "SSH private key (default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa)",
	  HVC_IN_ALL },
	{ "user", HVC_OPT_USER, "NAME", "SSH user in the guests (default: root)", HVC_IN_ALL },
	{ "no-agent", HVC_OPT_NO_AGENT, NULL, "do not use ssh-agent", HVC_IN_ALL },
	{ "agent", HVC_OPT_AGENT, NULL,
	  "use ssh-agent too when an identity is given (-i or\n"
	  "identity= in the configuration offers only that key)", HVC_IN_ALL },
	{ "known-hosts", HVC_OPT_KNOWN_HOSTS, "FILE",
	  "hvclock's known_hosts (default: /var/lib/hvclock/known_hosts)", HVC_IN_ALL },
	{ "accept-new", HVC_OPT_ACCEPT_NEW, NULL,
	  "record the host keys of new guests (a changed key is refused)", HVC_IN_ALL },
	{ "guest-address", HVC_OPT_GUEST_ADDRESS, "NAME=HOST[:PORT]",
	  "where to reach a guest; repeatable", HVC_IN_ALL },
	{ "no-verify-identity", HVC_OPT_NO_VERIFY_IDENTITY, NULL,
	  "change guests that report no UUID (default: refuse)", HVC_IN_ALL },
	{ "parallel", HVC_OPT_PARALLEL, "N", "guests handled at once (default: 16)", HVC_IN_ALL },
	{ "parallel-per-host", HVC_OPT_PARALLEL_PER_HOST, "N",
	  "guests of one host handled at once (default: no limit\n"
	  "but --parallel)", HVC_IN_ALL },
	{ "wait-ssh", HVC_OPT_WAIT_SSH, "SECONDS",
	  "keep trying a guest that is still booting, up to SECONDS", HVC_IN_ALL },
	{ "jump", HVC_OPT_JUMP, "yes|no|auto",
	  "reach guests through an SSH session to their host (default:\n"
	  "jump = of the host's [host:NAME] section, else no)", HVC_IN_ALL },
	{ "connect-timeout", HVC_OPT_CONNECT_TIMEOUT, "SECONDS",
	  "per guest: connect, key exchange, authentication (default: 10)", HVC_IN_ALL },
	{ "command-timeout", HVC_OPT_COMMAND_TIMEOUT, "SECONDS",
	  "per guest: one script run (default: 60)", HVC_IN_ALL },
	{ "deadline", HVC_OPT_DEADLINE, "SECONDS",
	  "per guest: everything done over SSH (default: 180)", HVC_IN_ALL },
	{ "help", 'h', NULL, "show this help (after the command: its usage)", HVC_IN_ALL },
	{ "version", 'V', NULL, "show the version and the compiled-in backends (before the\n"
	  "command)", HVC_IN_MAIN },
	{ "profile", 'p', "NAME",
	  "use the profile NAME for every selected guest (plan, rollout,\n"
	  "check)", HVC_IN_PLAN | HVC_IN_ROLLOUT | HVC_IN_CHECK },
	{ "all-guests", HVC_OPT_ALL_GUESTS, NULL,
	  "every guest that is not shut off (plan, rollout, rollback, check)",
	  HVC_IN_PLAN | HVC_IN_ROLLOUT | HVC_IN_ROLLBACK | HVC_IN_CHECK },
	{ "wait-lock", HVC_OPT_WAIT_LOCK, "SECONDS",
	  "wait up to SECONDS for another run's lock instead of exit 3\n"
	  "(rollout, rollback)", HVC_IN_ROLLOUT | HVC_IN_ROLLBACK },
	{ "restart", HVC_OPT_RESTART, NULL,
	  "then restart each guest whose change waits for it (power-cycle\n"
	  "or reboot, as planned) and verify the remedy in it (rollout)", HVC_IN_ROLLOUT },
	{ "batch", HVC_OPT_BATCH, "N", "--restart: guests restarted at once (default: 1)",
	  HVC_IN_ROLLOUT },
	{ "canary", HVC_OPT_CANARY, NULL,
	  "--restart: the first guest alone; stop if it fails", HVC_IN_ROLLOUT },
	{ "max-failed", HVC_OPT_MAX_FAILED, "N",
	  "--restart: start no new batch once N guests failed", HVC_IN_ROLLOUT },
	{ "restart-timeout", HVC_OPT_RESTART_TIMEOUT, "SECONDS",
	  "--restart: time for a graceful shutdown or reboot (default: 120)", HVC_IN_ROLLOUT },
	{ "force-off", HVC_OPT_FORCE_OFF, NULL,
	  "--restart: power off a guest still up after --restart-timeout", HVC_IN_ROLLOUT },
	{ "prometheus", HVC_OPT_PROMETHEUS, "FILE",
	  "check: also write the result as a node_exporter textfile,\n"
	  "atomically", HVC_IN_CHECK },
	{ "nagios", HVC_OPT_NAGIOS, NULL,
	  "check: print one Nagios status line; exit 0/1/2/3 for the\n"
	  "worst state (ok/warning/critical/unknown)", HVC_IN_CHECK },
	{ NULL, 0, NULL, NULL, 0 },
};
/* clang-format on */

const struct hvc_option *hvc_option_find(int val)
{
	for (const struct hvc_option *o = hvc_options; o->name; o++)
		if (o->val == val)
			return o;
	return NULL;
}

void hvc_options_getopt(unsigned mask, struct option **ret_long, char **ret_short)
{
	/* Before the command only its own; after it, every command's (named if misplaced). */
	unsigned known = mask & HVC_IN_MAIN ? HVC_IN_MAIN : HVC_IN_COMMANDS;
	struct option *l = NULL;
	size_t n = 0, k = 0;
	char *s;

	for (const struct hvc_option *o = hvc_options; o->name; o++)
		n++;
	l = xcalloc(n + 1, sizeof(*l));
	s = xcalloc(2 * n + 1, 1);
	n = 0;
	for (const struct hvc_option *o = hvc_options; o->name; o++) {
		if (!(o->in & known))
			continue;
		l[n++] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
			o->val };
		if (o->val < 0x100) {
			s[k++] = (char)o->val;
			if (o->arg)
				s[k++] = ':';
		}
	}
	*ret_long = l;
	*ret_short = s;
}

void hvc_options_print_help(FILE *f, unsigned mask, unsigned except)
{
	for (const struct hvc_option *o = hvc_options; o->name; o++) {
		_cleanup_free_ char *left = NULL;
		const char *h = o->help;
		int len;

		if (!(o->in & mask) || (o->in & except))
			continue;
		if (o->val < 0x100)
			left = xasprintf("  -%c, --%s%s%s", o->val, o->name, o->arg ? " " : "",
				o->arg ? o->arg : "");
		else
			left = xasprintf(
				"      --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		len = (int)strlen(left);
		/* A long one gets its text on the next line. */
		if (len <= HELP_COLUMN - 2)
			fprintf(f, "%s%*s", left, HELP_COLUMN - len, "");
		else
			fprintf(f, "%s\n%*s", left, HELP_COLUMN, "");
		for (;;) {
			size_t line = strcspn(h, "\n");
			fprintf(f, "%.*s\n", (int)line, h);
			if (!h[line])
				break;
			h += line + 1;
			fprintf(f, "%*s", HELP_COLUMN, "");
		}
	}
}

/* The option getopt stopped at, as a usage error. */
static int bad_option(const struct hvc_command *cmd, char **argv, const char *shortopts)
{
	if (optopt && optopt < 0x100 && optopt != ':' && strchr(shortopts, optopt))
		return hvc_usage_error(cmd, "option '-%c' needs an argument", optopt);
	if (optopt && optopt < 0x100)
		return hvc_usage_error(cmd, "unknown option '-%c'", optopt);
	return hvc_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
}

int hvc_options_parse(struct hvc_ctx *ctx, const struct hvc_command *cmd, int argc, char **argv,
	int (*own)(void *data, int val, const char *arg), void *data, int *ret_exit)
{
	_cleanup_free_ struct option *longopts = NULL;
	_cleanup_free_ char *shortopts = NULL;
	int opt, r;

	hvc_options_getopt(cmd->in, &longopts, &shortopts);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct hvc_option *o;

		r = hvc_common_option(ctx, opt, optarg);
		if (r < 0)
			goto usage;
		if (r > 0)
			continue;
		if (opt == 'h') {
			/* The same text as `hvclock help COMMAND`: usage, summary, its options. */
			*ret_exit = hvc_cmd_help.run(
				ctx, 2, (char *[]){ "help", (char *)cmd->name, NULL });
			return -1;
		}
		o = opt != '?' ? hvc_option_find(opt) : NULL;
		if (o && !(o->in & cmd->in)) {
			hvc_usage_error(cmd, "option '--%s' is not for %s", o->name, cmd->name);
			goto usage;
		}
		if (o && own) {
			if (own(data, opt, optarg) < 0)
				goto usage;
			continue;
		}
		bad_option(cmd, argv, shortopts);
		goto usage;
	}
	return 0;
usage:
	*ret_exit = HVC_EXIT_USAGE;
	return -1;
}
