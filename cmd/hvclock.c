/* hvclock.c: main(): global options, the command table, dispatch and exit codes. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "config.h"
#include "backends/registry.h"
#include "cmd/command.h"

const struct hvc_command *const hvc_commands[] = {
	&hvc_cmd_plan,
	&hvc_cmd_rollout,
	&hvc_cmd_rollback,
	&hvc_cmd_check,
	&hvc_cmd_list,
	&hvc_cmd_help,
	NULL,
};

const struct hvc_command *hvc_command_find(const char *name)
{
	for (size_t i = 0; hvc_commands[i]; i++)
		if (streq(hvc_commands[i]->name, name))
			return hvc_commands[i];
	return NULL;
}

static void print_version(void)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_free_ char *b = NULL;

	for (const struct hvc_backend_entry *e = hvc_backends; e->name; e++) {
		_cleanup_free_ char *path = hvc_backend_module_path(e);

		if (e->impl)
			strv_push(&names, e->name);
		else if (path && access(path, F_OK) == 0)
			strv_consume(&names, xasprintf("%s (module)", e->name));
	}
	b = names ? strv_join(names, ", ") : xstrdup("");
	printf("hvclock %s (backends: %s)\n", HVC_VERSION, *b ? b : "none");
}

/*
 * Everything for stdout is written by now: a write that failed (a full disk,
 * a closed pipe: SIGPIPE is ignored) is an error with one line naming where
 * stdout went, not silence, and exit HVC_EXIT_OUTPUT; what the run changed is
 * already recorded. Usage errors and failed starts keep their codes.
 */
static int finish_stdout(int r)
{
	int e = hvc_stdout_errno();
	char where[256];
	ssize_t n;

	if (!e)
		return r;
	n = readlink("/proc/self/fd/1", where, sizeof(where) - 1);
	where[n > 0 ? n : 0] = '\0';
	hvc_log_error("cannot write the report to stdout%s%s%s: %s", n > 0 ? " (" : "", where,
		n > 0 ? ")" : "", strerror(e));
	return r == HVC_EXIT_USAGE || r == HVC_EXIT_CANNOT_START ? r : HVC_EXIT_OUTPUT;
}

int main(int argc, char **argv)
{
	_cleanup_free_ struct option *options = NULL;
	_cleanup_free_ char *own = NULL, *shortopts = NULL;
	struct hvc_ctx ctx = { 0 };
	const struct hvc_command *cmd;
	int opt, r;

	/*
	 * A closed stdout, or a connection that dies under us (libvirtd stopped, a
	 * guest gone), must be an error that is reported, not a SIGPIPE that kills
	 * the whole run unreported.
	 */
	signal(SIGPIPE, SIG_IGN);
	/* '+': stop at the command name; its own options are parsed by the command. */
	hvc_options_getopt(HVC_IN_MAIN, &options, &own);
	shortopts = xasprintf("+%s", own);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shortopts, options, NULL)) != -1) {
		r = hvc_common_option(&ctx, opt, optarg);
		if (r < 0) {
			hvc_ctx_finish(&ctx);
			return HVC_EXIT_USAGE;
		}
		if (r > 0)
			continue;
		switch (opt) {
		case 'h':
			hvc_ctx_finish(&ctx);
			return finish_stdout(hvc_cmd_help.run(&ctx, 1, (char *[]){ "help", NULL }));
		case 'V':
			print_version();
			hvc_ctx_finish(&ctx);
			return finish_stdout(HVC_EXIT_OK);
		default:
			hvc_ctx_finish(&ctx);
			if (optopt && optopt < 0x100 && optopt != ':' && strchr(own, optopt))
				return hvc_usage_error(
					NULL, "option '-%c' needs an argument", optopt);
			if (optopt)
				return hvc_usage_error(NULL, "unknown option '-%c'", optopt);
			return hvc_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		hvc_ctx_finish(&ctx);
		return hvc_usage_error(NULL, "no command given (try 'hvclock help')");
	}
	if (streq(argv[optind], "__complete")) {
		r = hvc_complete_run(&ctx, argc - optind, argv + optind);
		hvc_ctx_finish(&ctx);
		return r;
	}
	cmd = hvc_command_find(argv[optind]);
	if (!cmd) {
		/* hvc_usage_error() escapes it. */
		const char *c = argv[optind];
		hvc_ctx_finish(&ctx);
		return hvc_usage_error(NULL, "unknown command '%s' (try 'hvclock help')", c);
	}
	ctx.command = cmd->name;

	argc -= optind;
	argv += optind;
	optind = 0; /* reinitialise getopt for the command's own options */
	r = cmd->run(&ctx, argc, argv);

	hvc_ctx_finish(&ctx);
	return finish_stdout(r);
}
