/* common.c: what several commands share: errors, usage, fleet opening, guest selection. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "config.h"
#include "backends/registry.h"
#include "cmd/command.h"
#include "core/check.h"
#include "core/conffile.h"
#include "core/error.h"
#include "core/report.h"
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
	case 'o':
		strv_free(ctx->columns);
		ctx->columns = strv_split(arg, ",");
		return 1;
	case HVC_OPT_NOHEADINGS:
		ctx->noheadings = true;
		return 1;
	case HVC_OPT_RAW:
		ctx->raw = true;
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
	case HVC_OPT_PARALLEL_PER_HOST:
		return seconds_arg(arg, "--parallel-per-host", 1, 256, &ctx->parallel_per_host);
	case HVC_OPT_CONNECT_TIMEOUT:
		return seconds_arg(arg, "--connect-timeout", 1, 3600, &ctx->connect_timeout_s);
	case HVC_OPT_COMMAND_TIMEOUT:
		return seconds_arg(arg, "--command-timeout", 1, 3600, &ctx->command_timeout_s);
	case HVC_OPT_WAIT_SSH:
		return seconds_arg(arg, "--wait-ssh", 1, 3600, &ctx->wait_ssh_s);
	case HVC_OPT_DEADLINE:
		return seconds_arg(arg, "--deadline", 1, 3600, &ctx->guest_deadline_s);
	case HVC_OPT_JUMP:
		if (streq(arg, "auto"))
			ctx->jump = HVC_JUMP_AUTO;
		else if (streq(arg, "yes") || streq(arg, "no"))
			ctx->jump = streq(arg, "yes") ? HVC_JUMP_YES : HVC_JUMP_NO;
		else {
			hvc_usage_error(NULL, "invalid --jump '%s' (yes, no or auto)", arg);
			return -1;
		}
		ctx->jump_set = true;
		return 1;
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
	strv_free(ctx->columns);
	ctx->uris = ctx->guest_addresses = ctx->columns = NULL;
}

const struct hvc_column *hvc_command_columns(const struct hvc_command *cmd)
{
	if (cmd == &hvc_cmd_list)
		return hvc_report_list_columns;
	if (cmd == &hvc_cmd_check)
		return hvc_check_columns;
	return hvc_report_plan_columns;
}

size_t hvc_compact_over(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
		/* the header, the blank line and the summary line take three rows */
		return ws.ws_row > 4 ? ws.ws_row - 3u : 1;
	return HVC_COMPACT_NOT_A_TERMINAL;
}

int hvc_table_options(const struct hvc_ctx *ctx, const struct hvc_command *cmd,
	const struct hvc_column *cols, struct hvc_table_opts *ret)
{
	const char *unknown = NULL;

	if (ctx->columns &&
		(!ctx->columns[0] || hvc_table_check_columns(cols, ctx->columns, &unknown) < 0)) {
		_cleanup_free_ char *known = hvc_table_column_names(cols, ", ");
		return hvc_usage_error(cmd, "unknown column '%s' for --output (known: %s)",
			unknown ? unknown : "", known);
	}
	*ret = (struct hvc_table_opts){
		.columns = ctx->columns,
		.noheadings = ctx->noheadings,
		.raw = ctx->raw,
		.terminal = isatty(STDOUT_FILENO),
	};
	return 0;
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

int hvc_ctx_load_config(const struct hvc_ctx *ctx, struct hvc_config *cfg)
{
	struct hvc_error err = { 0 };
	const char *path = ctx->config_path, *env = getenv("HVCLOCK_CONFIG");
	_cleanup_free_ char *def = xasprintf("%s/hvclock/hvclock.conf", HVC_SYSCONFDIR);
	bool explicit = true;

	/* Only the default file may be missing; a path someone wrote down must exist. */
	if (!path && env && *env)
		path = env;
	if (!path) {
		path = def;
		explicit = false;
	}
	if (hvc_config_load(path, explicit, cfg, &err) < 0) {
		hvc_log_error("%s", err.msg);
		return -1;
	}
	return 0;
}

/*
 * A URI's host label: its host part ("qemu+ssh://root@kvm1:2222/system" -> "kvm1"), or
 * "localhost" for a local URI ("qemu:///system", "test:///PATH", "xl://").
 */
static char *uri_host_label(const char *uri)
{
	const char *p = strstr(uri, "://"), *end;

	if (!p)
		return xstrdup("localhost");
	p += 3;
	end = p + strcspn(p, "/?#");
	for (const char *at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (close)
			return xstrndup(p + 1, (size_t)(close - p - 1));
	}
	end = p + strcspn(p, ":/?#");
	return end > p ? xstrndup(p, (size_t)(end - p)) : xstrdup("localhost");
}

static void fleet_add(
	struct hvc_fleet *f, const char *name, const char *uri, int parallel, int config)
{
	struct hvc_fleet_host *h;

	for (size_t i = 0; i < f->n; i++)
		if (streq(f->hosts[i].uri, uri))
			return; /* the same URI twice would list every guest twice */
	f->hosts = xrealloc(f->hosts, f->n + 1, sizeof(*f->hosts));
	h = &f->hosts[f->n++];
	*h = (struct hvc_fleet_host){ .uri = xstrdup(uri), .parallel = parallel, .config = config };
	h->name = name ? xstrdup(name) : uri_host_label(uri);
	/* Labels name one host each: a second one with the same label is named by its URI. */
	for (size_t i = 0; i + 1 < f->n; i++)
		if (streq(f->hosts[i].name, h->name)) {
			free_and_strdup(&h->name, uri);
			break;
		}
}

/* The hosts of the run, in order: -c (a [host:] NAME or a URI), else [host:], else the default. */
static void fleet_hosts(
	const struct hvc_ctx *ctx, const struct hvc_config *cfg, struct hvc_fleet *f)
{
	size_t n_cfg = cfg ? cfg->n_hosts : 0;

	STRV_FOREACH (c, ctx->uris) {
		const struct hvc_host_config *h = n_cfg ? hvc_config_host(cfg, *c) : NULL;

		for (size_t i = 0; !h && i < n_cfg; i++)
			if (streq(cfg->hosts[i].uri, *c))
				h = &cfg->hosts[i];
		fleet_add(f, h ? h->name : NULL, h ? h->uri : *c, h ? h->parallel : 0,
			h ? (int)(h - cfg->hosts) : -1);
	}
	for (size_t i = 0; !ctx->uris && i < n_cfg; i++)
		fleet_add(f, cfg->hosts[i].name, cfg->hosts[i].uri, cfg->hosts[i].parallel, (int)i);
	if (f->n == 0) {
		const char *env = getenv("LIBVIRT_DEFAULT_URI");
		fleet_add(f, NULL, env && *env ? env : "qemu:///system", 0, -1);
	}
}

struct fleet_job {
	struct hvc_fleet *f;
	bool read_only, include_inactive;
	size_t next;
	pthread_mutex_t lock;
};

/* One host, whole, in one thread: open, list, label its guests. */
static void fleet_open_host(struct fleet_job *j, size_t i)
{
	struct hvc_fleet *f = j->f;
	struct hvc_fleet_host *h = &f->hosts[i];
	struct hvc_error err = { 0 };
	int r;

	r = hvc_backend_open(h->uri, j->read_only, &f->backends[i], &err);
	if (r >= 0)
		r = hvc_backend_list_guests(
			f->backends[i], j->include_inactive, &f->lists[i], &err);
	if (r < 0) {
		/* Not a URI: libvirt's uri_aliases may know it; else it was meant as a [host:]. */
		if (!strchr(h->uri, ':'))
			h->error = xasprintf(
				"%s (and no [host:%s] in the configuration)", err.msg, h->uri);
		else
			h->error = xstrdup(err.msg);
		/* Nothing was reached: a host-side failure unless the cause says more. */
		h->error_kind = hvc_error_kind_of(err.code, HVC_ERRKIND_BACKEND);
		if (h->error_kind == HVC_ERRKIND_OTHER)
			h->error_kind = HVC_ERRKIND_BACKEND;
		hvc_guest_list_finish(&f->lists[i]);
		hvc_backend_destroy(f->backends[i]);
		f->backends[i] = NULL;
		return;
	}
	for (size_t k = 0; k < f->lists[i].n; k++)
		free_and_strdup(&f->lists[i].guests[k]->host, h->name);
}

static void *fleet_worker(void *arg)
{
	struct fleet_job *j = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->f->n)
			return NULL;
		fleet_open_host(j, i);
	}
}

int hvc_fleet_open(struct hvc_ctx *ctx, const struct hvc_config *cfg, bool read_only,
	bool include_inactive, struct hvc_fleet *f)
{
	struct fleet_job job = {
		.f = f, .read_only = read_only, .include_inactive = include_inactive
	};
	int parallel = ctx->parallel ? ctx->parallel : cfg && cfg->parallel ? cfg->parallel : 16;
	size_t n_threads, started = 0, ok = 0;
	pthread_t *threads;

	memset(f, 0, sizeof(*f));
	fleet_hosts(ctx, cfg, f);
	f->backends = xcalloc(f->n, sizeof(*f->backends));
	f->lists = xcalloc(f->n, sizeof(*f->lists));
	/* Opening a remote host costs round trips: the hosts at once, in a bounded pool. */
	n_threads = f->n < (size_t)parallel ? f->n : (size_t)parallel;
	threads = xcalloc(n_threads, sizeof(*threads));
	pthread_mutex_init(&job.lock, NULL);
	for (size_t i = 0; f->n > 1 && i < n_threads; i++)
		if (pthread_create(&threads[started], NULL, fleet_worker, &job) == 0)
			started++;
	if (started == 0)
		fleet_worker(&job);
	for (size_t i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&job.lock);
	free(threads);
	for (size_t i = 0; i < f->n; i++)
		ok += !f->hosts[i].error;
	if (ok == 0) {
		hvc_fleet_log_failed(f);
		hvc_fleet_close(f);
		return -1;
	}
	return 0;
}

bool hvc_fleet_log_failed(const struct hvc_fleet *f)
{
	bool any = false;

	for (size_t i = 0; i < f->n; i++)
		if (f->hosts[i].error) {
			/* The backend's message names the URI; one host alone keeps it as it was. */
			if (f->n == 1)
				hvc_log_error("%s", f->hosts[i].error);
			else
				hvc_log_error(
					"host %s: failed: %s", f->hosts[i].name, f->hosts[i].error);
			any = true;
		}
	return any;
}

void hvc_fleet_plan_hosts(const struct hvc_fleet *f, struct hvc_plan *plan)
{
	plan->hosts = xcalloc(f->n ? f->n : 1, sizeof(*plan->hosts));
	plan->n_hosts = f->n;
	for (size_t i = 0; i < f->n; i++)
		plan->hosts[i] = (struct hvc_plan_host){
			.name = xstrdup(f->hosts[i].name),
			.uri = xstrdup(f->backends[i] ? f->backends[i]->uri : f->hosts[i].uri),
			.error = xstrdup_or_null(f->hosts[i].error),
			.error_kind = f->hosts[i].error_kind,
			.guests = f->lists[i].n,
		};
}

const struct hvc_fleet_host *hvc_fleet_host_of(
	const struct hvc_fleet *f, const struct hvc_backend *b)
{
	for (size_t i = 0; b && i < f->n; i++)
		if (f->backends[i] == b)
			return &f->hosts[i];
	return NULL;
}

void hvc_fleet_close(struct hvc_fleet *f)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->lists)
			hvc_guest_list_finish(&f->lists[i]);
		if (f->backends)
			hvc_backend_destroy(f->backends[i]);
		free(f->hosts[i].name);
		free(f->hosts[i].uri);
		free(f->hosts[i].error);
	}
	free(f->backends);
	free(f->lists);
	free(f->hosts);
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

/*
 * The guests key names on backend b (NULL: on any): by name, or by UUID (a guest whose name
 * is key is counted once). The last one found goes to *ret; the labels of their hosts, each
 * once, are added to *hosts. Returns how many.
 */
static size_t key_matches(const struct fleet_ref *by_name, const struct fleet_ref *by_uuid,
	size_t total, const char *key, const struct hvc_backend *b, struct fleet_ref *ret,
	char ***hosts)
{
	size_t first, m, hits = 0;

	m = ref_range(by_name, total, key, name_key_cmp, &first);
	for (size_t i = first; i < first + m; i++)
		if (!b || by_name[i].b == b) {
			hits++;
			*ret = by_name[i];
			if (by_name[i].g->host && !strv_contains(*hosts, by_name[i].g->host))
				strv_push(hosts, by_name[i].g->host);
		}
	m = ref_range(by_uuid, total, key, uuid_key_cmp, &first);
	for (size_t i = first; i < first + m; i++)
		if ((!b || by_uuid[i].b == b) && !streq(by_uuid[i].g->name, key)) {
			hits++;
			*ret = by_uuid[i];
			if (by_uuid[i].g->host && !strv_contains(*hosts, by_uuid[i].g->host))
				strv_push(hosts, by_uuid[i].g->host);
		}
	return hits;
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
		_cleanup_strv_free_ char **hosts = NULL;
		size_t hits = key_matches(by_name, by_uuid, total, names[k], NULL, &sel[k], &hosts);

		/* HOST/NAME (what -q prints with several hosts): NAME or UUID on that host. */
		for (size_t b = 0; hits == 0 && b < f->n; b++) {
			size_t len = strlen(f->hosts[b].name);
			if (f->backends[b] && strncmp(names[k], f->hosts[b].name, len) == 0 &&
				names[k][len] == '/')
				hits += key_matches(by_name, by_uuid, total, names[k] + len + 1,
					f->backends[b], &sel[k], &hosts);
		}
		if (hits != 1) {
			/* The logger escapes the name. */
			const char *name = names[k];
			_cleanup_strv_free_ char **failed = NULL;
			for (size_t b = 0; b < f->n; b++)
				if (f->hosts[b].error)
					strv_push(&failed, f->hosts[b].name);
			_cleanup_free_ char *list = failed ? strv_join(failed, ", ") : NULL;
			_cleanup_free_ char *on = hosts ? strv_join(hosts, ", ") : NULL;
			if (hits == 0 && failed)
				hvc_log_error("guest '%s' not found on the hosts that answered "
					      "(%s failed)",
					name, list);
			else if (hits == 0)
				hvc_log_error("guest '%s' not found on %s", name,
					f->n == 1 ? f->backends[0]->uri : "any connection");
			else if (strv_length(hosts) > 1)
				hvc_log_error("guest name '%s' is ambiguous (%zu guests, on hosts "
					      "%s); name it HOST/NAME or by UUID",
					name, hits, on);
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
