/* check.c: `hvclock check`: clock health per guest, for people (table, --json) and monitoring (--prometheus, --nagios). */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cmd/command.h"
#include "cmd/run.h"
#include "core/check.h"
#include "core/conffile.h"
#include "core/report.h"

static int check_run(struct hvc_ctx *ctx, int argc, char **argv);

const struct hvc_command hvc_cmd_check = {
	.name = "check",
	.usage = "[--prometheus FILE] [--nagios] [--profile NAME] [--all-guests | GUEST...]",
	.summary = "clock health per guest: offset, time sync, symptoms (read-only)",
	.in = HVC_IN_CHECK,
	.run = check_run,
};

static int check_run(struct hvc_ctx *ctx, int argc, char **argv)
{
	struct hvc_check_cli cli = { 0 };
	struct hvc_run run = {
		.ctx = ctx, .cmd = &hvc_cmd_check, .mode = HVC_ENGINE_PLAN, .check = &cli
	};
	int r;

	if (hvc_options_parse(ctx, &hvc_cmd_check, argc, argv, hvc_run_option, &run, &r) < 0)
		return r;
	if (cli.nagios && ctx->json)
		return hvc_usage_error(&hvc_cmd_check, "give either --nagios or --json, not both");
	run.names = argv + optind;
	run.n_names = (size_t)(argc - optind);
	r = hvc_run(&run);
	/* Nagios reads 2 as critical and 3 as unknown: a run that could not start is unknown. */
	if (cli.nagios && !cli.reported) {
		printf("HVCLOCK UNKNOWN - the check could not run (see the error above)\n");
		if (r != HVC_EXIT_OK)
			r = HVC_HEALTH_UNKNOWN;
	}
	return r;
}

/* dom0 is the host: its clock is the reference, offset 0 by definition. */
static void host_check(const struct hvc_check_thresholds *t, const struct hvc_guest_plan *gp,
	struct hvc_clock_check *c)
{
	if (gp->guest->facts.inspected) {
		c->measured = true;
		c->offset_s = c->error_s = 0;
	}
	hvc_check_judge(t, gp, c);
}

int hvc_check_report(struct hvc_run *run, const struct hvc_config *cfg, const struct hvc_plan *plan,
	struct hvc_clock_check *checks, const char *const *unseen)
{
	const struct hvc_ctx *ctx = run->ctx;
	struct hvc_clock_check host = { 0 };
	struct hvc_check_run cr = {
		.plan = plan,
		.checks = checks,
		.host = plan->host ? &host : NULL,
		.thresholds = &cfg->check,
	};
	enum hvc_health worst;
	_cleanup_free_ char *prom_error = NULL;
	int r;

	for (size_t i = 0; i < plan->n; i++) {
		hvc_check_judge(&cfg->check, &plan->guests[i], &checks[i]);
		if (unseen[i])
			hvc_check_named_unseen(&checks[i], unseen[i]);
	}
	if (plan->host)
		host_check(&cfg->check, plan->host, &host);
	worst = hvc_check_worst(&cr);
	r = worst == HVC_HEALTH_OK ? HVC_EXIT_OK : HVC_EXIT_FAILED;
	/* A host that could not be listed: its guests were not looked at (said on stderr too). */
	for (size_t i = 0; i < plan->n_hosts && !prom_error; i++)
		if (plan->hosts[i].error) {
			_cleanup_free_ char *m = xasprintf("host %s (%s): failed: %s",
				plan->hosts[i].name, plan->hosts[i].uri, plan->hosts[i].error);
			prom_error = hvc_escape_terminal(m);
			if (worst == HVC_HEALTH_OK)
				worst = HVC_HEALTH_UNKNOWN;
			r = HVC_EXIT_FAILED;
		}

	if (run->check->prometheus) {
		struct hvc_error err = { 0 };
		char hostname[256] = "";
		_cleanup_free_ char *text = NULL;

		if (gethostname(hostname, sizeof(hostname) - 1) < 0)
			snprintf(hostname, sizeof(hostname), "unknown");
		text = hvc_check_prometheus(&cr, hostname, (int64_t)time(NULL));
		if (hvc_write_file_atomic(run->check->prometheus, text, strlen(text), 0644, &err) <
			0) {
			hvc_log_error("%s", err.msg);
			free(prom_error);
			prom_error = hvc_escape_terminal(err.msg);
			worst = HVC_HEALTH_UNKNOWN;
			r = HVC_EXIT_FAILED;
		}
	}
	if (run->check->nagios) {
		_cleanup_free_ char *line = hvc_check_nagios(&cr);
		if (prom_error && worst == HVC_HEALTH_UNKNOWN)
			printf("HVCLOCK UNKNOWN - %s\n", prom_error);
		else
			printf("%s\n", line);
		r = (int)worst;
	} else if (ctx->json) {
		struct json_object *doc = hvc_check_json(&cr);
		hvc_report_print_json(stdout, doc);
		json_object_put(doc);
	} else {
		hvc_check_text(stdout, &cr, ctx->quiet, &run->table);
	}
	hvc_stdout_flush();
	run->check->reported = true;
	hvc_clock_check_finish(&host);
	return r;
}
