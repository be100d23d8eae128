/* common.c: what several commands share: errors, usage, fleet opening, guest selection. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "config.h"
#include "backends/registry.h"
#include "cmd/command.h"
#include "core/conffile.h"
#include "core/token.h"

/* Every message to stderr: one line, escaped (errors quote guests, SSH servers, names). */
_printf_(1, 0) static void log_line(const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = xvasprintf(fmt, ap);
	_cleanup_free_ char *esc = hvc_escape_terminal(msg);

	fprintf(stderr, "hvclock: %s\n", esc);
}

void hvc_log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

static int stdout_errno;

void hvc_stdout_flush(void)
{
	/* fflush() fails with the cause, or (nothing left to write) keeps the failed write's errno */
	if ((fflush(stdout) != 0 || ferror(stdout)) && !stdout_errno)
		stdout_errno = errno ? errno : EIO;
}

int hvc_stdout_errno(void)
{
	hvc_stdout_flush();
	return stdout_errno;
}

void hvc_print_usage(FILE *f, const struct hvc_command *cmd)
{
	fprintf(f, "usage: hvclock [-c URI]... [--json] [-q] [-v] %s%s%s\n", cmd->name,
		*cmd->usage ? " " : "", cmd->usage);
}

int hvc_usage_error(const struct hvc_command *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
	if (cmd)
		hvc_print_usage(stderr, cmd);
	else
		fputs("usage: hvclock [-c URI]... [--json] [-q] [-v] COMMAND [ARGS]\n", stderr);
	return HVC_EXIT_USAGE;
}

static int seconds_arg(const char *arg, const char *name, int min, int max, int *ret)
{
	char *end;
	long l;

	errno = 0;
	l = strtol(arg, &end, 10);
	if (errno || end == arg || *end || l < min || l > max) {
		hvc_usage_error(
			NULL, "invalid %s '%s' (a number from %d to %d)", name, arg, min, max);
		return -1;
	}
	*ret = (int)l;
	return 1;
}

int hvc_number_option(const char *arg, const char *name, int min, int max, int *ret)
{
	return seconds_arg(arg, name, min, max, ret) < 0 ? -1 : 0;
}

int hvc_common_option(struct hvc_ctx *ctx, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		strv_push(&ctx->uris, arg);
		return 1;
	case HVC_OPT_JSON:
		ctx->json = true;
		return 1;
	case 'q':
		ctx->quiet = true;
		return 1;
	case 'v':
		ctx->verbose++;
		return 1;
	case HVC_OPT_PROFILES_DIR:
		ctx->profiles_dir = arg;
		return 1;
	case HVC_OPT_CONFIG:
		ctx->config_path = arg;
		return 1;
	case 'i':
		ctx->identity = arg;
		return 1;
	case HVC_OPT_USER:
		/* The same rule as user = in hvclock.conf. */
		if (!hvc_token_valid(HVC_TOKEN_USER, arg)) {
			hvc_usage_error(NULL, "invalid --user '%s' (a user name)", arg);
			return -1;
		}
		ctx->user = arg;
		return 1;
	case HVC_OPT_KNOWN_HOSTS:
		ctx->known_hosts = arg;
		return 1;
	case HVC_OPT_ACCEPT_NEW:
		ctx->accept_new = true;
		return 1;
	case HVC_OPT_NO_AGENT:
	case HVC_OPT_AGENT:
		if (opt == HVC_OPT_AGENT ? ctx->no_agent : ctx->agent) {
			hvc_usage_error(NULL, "give either --agent or --no-agent, not both");
			return -1;
		}
		*(opt == HVC_OPT_AGENT ? &ctx->agent : &ctx->no_agent) = true;
		return 1;
	case HVC_OPT_NO_VERIFY_IDENTITY:
		ctx->no_verify_identity = true;
		return 1;
	case HVC_OPT_PARALLEL:
		return seconds_arg(arg, "--parallel", 1, 256, &ctx->parallel);
	case HVC_OPT_CONNECT_TIMEOUT:
		return seconds_arg(arg, "--connect-timeout", 1, 3600, &ctx->connect_timeout_s);
	case HVC_OPT_COMMAND_TIMEOUT:
		return seconds_arg(arg, "--command-timeout", 1, 3600, &ctx->command_timeout_s);
	case HVC_OPT_WAIT_SSH:
		return seconds_arg(arg, "--wait-ssh", 1, 3600, &ctx->wait_ssh_s);
	case HVC_OPT_DEADLINE:
		return seconds_arg(arg, "--deadline", 1, 3600, &ctx->guest_deadline_s);
	case HVC_OPT_GUEST_ADDRESS: {
		const char *eq = strchr(arg, '=');
		_cleanup_free_ char *host = NULL;
		unsigned port;
		if (!eq || eq == arg || hvc_parse_address(eq + 1, &host, &port) < 0) {
			hvc_usage_error(
				NULL, "invalid --guest-address '%s' (NAME=HOST[:PORT])", arg);
			return -1;
		}
		strv_push(&ctx->guest_addresses, arg);
		return 1;
	}
	default:
		return 0;
	}
}

void hvc_ctx_finish(struct hvc_ctx *ctx)
{
	strv_free(ctx->uris);
	strv_free(ctx->guest_addresses);
	ctx->uris = ctx->guest_addresses = NULL;
}

int hvc_ctx_load_profiles(struct hvc_ctx *ctx, struct hvc_profile_set *ret)
{
	const char *dir = ctx->profiles_dir;
	struct hvc_error err = { 0 };
	_cleanup_free_ char *def = xasprintf("%s/profiles", HVC_PKGDATADIR);
	_cleanup_free_ char *exe = realpath("/proc/self/exe", NULL);
	_cleanup_free_ char *uninstalled = realpath(HVC_UNINSTALLED_EXE, NULL);

	if (!dir)
		dir = getenv("HVCLOCK_PROFILES_DIR");
	if (!dir || !*dir)
		dir = exe && uninstalled && streq(exe, uninstalled) ? HVC_UNINSTALLED_PROFILES
								    : def;
	if (hvc_profile_set_load(dir, ret, &err) < 0) {
		hvc_log_error("%s", err.msg);
		return -1;
	}
	return 0;
}

int hvc_fleet_open(struct hvc_ctx *ctx, bool read_only, bool include_inactive, struct hvc_fleet *f)
{
	size_t n;

	if (!ctx->uris) {
		const char *env = getenv("LIBVIRT_DEFAULT_URI");
		strv_push(&ctx->uris, env && *env ? env : "qemu:///system");
	}
	/* The same URI given twice would list every guest twice. */
	char **uris = NULL;
	STRV_FOREACH (u, ctx->uris)
		if (!strv_contains(uris, *u))
			strv_push(&uris, *u);
	strv_free(ctx->uris);
	ctx->uris = uris;
	n = strv_length(ctx->uris);
	memset(f, 0, sizeof(*f));
	f->backends = xcalloc(n, sizeof(*f->backends));
	f->lists = xcalloc(n, sizeof(*f->lists));
	for (size_t i = 0; i < n; i++) {
		struct hvc_error err = { 0 };
		if (hvc_backend_open(ctx->uris[i], read_only, &f->backends[i], &err) < 0 ||
			hvc_backend_list_guests(
				f->backends[i], include_inactive, &f->lists[i], &err) < 0) {
			hvc_log_error("%s", err.msg);
			f->n = i + 1;
			hvc_fleet_close(f);
			return -1;
		}
		f->n = i + 1;
	}
	return 0;
}

void hvc_fleet_close(struct hvc_fleet *f)
{
	for (size_t i = 0; i < f->n; i++) {
		hvc_guest_list_finish(&f->lists[i]);
		hvc_backend_destroy(f->backends[i]);
	}
	free(f->backends);
	free(f->lists);
	memset(f, 0, sizeof(*f));
}

/*
 * hvc_fleet_select() with names: the fleet sorted by name and by UUID, looked
 * up by binary search, and the selection's duplicates dropped after a sort, so
 * naming n guests of a fleet of N costs (n + N) log N, not n x N.
 */
struct fleet_ref {
	struct hvc_guest *g;
	struct hvc_backend *b;
	size_t pos; /* order in the selection */
};

static int name_key_cmp(const char *key, const struct fleet_ref *r)
{
	return strcmp(key, r->g->name);
}

static int uuid_key_cmp(const char *key, const struct fleet_ref *r)
{
	return strcasecmp(key, r->g->uuid);
}

static int ref_name_cmp(const void *a, const void *b)
{
	return name_key_cmp(((const struct fleet_ref *)a)->g->name, b);
}

static int ref_uuid_cmp(const void *a, const void *b)
{
	return uuid_key_cmp(((const struct fleet_ref *)a)->g->uuid, b);
}

static int ref_guest_cmp(const void *a, const void *b)
{
	const struct fleet_ref *x = a, *y = b;

	if (x->g != y->g)
		return (uintptr_t)x->g < (uintptr_t)y->g ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int ref_pos_cmp(const void *a, const void *b)
{
	const struct fleet_ref *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The refs of v (n, sorted by cmp) whose key is key: [*ret_first, *ret_first + return). */
static size_t ref_range(const struct fleet_ref *v, size_t n, const char *key,
	int (*cmp)(const char *, const struct fleet_ref *), size_t *ret_first)
{
	size_t lo = 0, hi = n, end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp(key, &v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < n && cmp(key, &v[end]) == 0; end++)
		;
	*ret_first = lo;
	return end - lo;
}

int hvc_fleet_select(struct hvc_fleet *f, char **names, size_t n_names,
	struct hvc_guest ***ret_guests, struct hvc_backend ***ret_backends, size_t *ret_n)
{
	_cleanup_free_ struct fleet_ref *by_name = NULL, *by_uuid = NULL, *sel = NULL;
	struct hvc_guest **gs;
	struct hvc_backend **bs;
	size_t total = 0, n = 0;

	for (size_t b = 0; b < f->n; b++)
		total += f->lists[b].n;
	gs = xcalloc(total + 1, sizeof(*gs));
	bs = xcalloc(total + 1, sizeof(*bs));

	/* Without names: every guest that is not shut off (named ones are reported as such). */
	if (n_names == 0) {
		for (size_t b = 0; b < f->n; b++)
			for (size_t i = 0; i < f->lists[b].n; i++)
				if (f->lists[b].guests[i]->state != HVC_STATE_SHUTOFF) {
					gs[n] = f->lists[b].guests[i];
					bs[n++] = f->backends[b];
				}
		goto out;
	}

	by_name = xcalloc(total + 1, sizeof(*by_name));
	by_uuid = xcalloc(total + 1, sizeof(*by_uuid));
	for (size_t b = 0; b < f->n; b++)
		for (size_t i = 0; i < f->lists[b].n; i++)
			by_name[n++] = (struct fleet_ref){ .g = f->lists[b].guests[i],
				.b = f->backends[b] };
	memcpy(by_uuid, by_name, total * sizeof(*by_name));
	qsort(by_name, total, sizeof(*by_name), ref_name_cmp);
	qsort(by_uuid, total, sizeof(*by_uuid), ref_uuid_cmp);

	sel = xcalloc(n_names, sizeof(*sel));
	for (size_t k = 0; k < n_names; k++) {
		size_t first, m, hits;

		m = ref_range(by_name, total, names[k], name_key_cmp, &first);
		hits = m;
		if (m > 0)
			sel[k] = by_name[first];
		m = ref_range(by_uuid, total, names[k], uuid_key_cmp, &first);
		for (size_t i = first; i < first + m; i++)
			if (!streq(by_uuid[i].g->name, names[k])) { /* else counted above */
				hits++;
				sel[k] = by_uuid[i];
			}
		if (hits != 1) {
			/* The logger escapes the name. */
			const char *name = names[k];
			if (hits == 0)
				hvc_log_error("guest '%s' not found on %s", name,
					f->n == 1 ? f->backends[0]->uri : "any connection");
			else
				hvc_log_error("guest name '%s' is ambiguous (%zu guests); name it "
					      "by UUID",
					name, hits);
			free(gs);
			free(bs);
			return -ENOENT;
		}
		sel[k].pos = k;
	}

	/* A guest named twice (by name and by UUID, say) is selected once, where first named. */
	qsort(sel, n_names, sizeof(*sel), ref_guest_cmp);
	n = 0;
	for (size_t k = 0; k < n_names; k++)
		if (k == 0 || sel[k].g != sel[k - 1].g)
			sel[n++] = sel[k];
	qsort(sel, n, sizeof(*sel), ref_pos_cmp);
	for (size_t k = 0; k < n; k++) {
		gs[k] = sel[k].g;
		bs[k] = sel[k].b;
	}
out:
	*ret_guests = gs;
	*ret_backends = bs;
	*ret_n = n;
	return 0;
}
