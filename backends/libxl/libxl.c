/* libxl.c: the libxl backend: a Xen dom0's domains through libxenlight, their xl config files. */
#define LIBXL_API_VERSION 0x041400

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xentoollog.h>

#include "config.h"
#include "backends/libxl/xlcfg.h"
#include "backends/libxl/xlstore.h"
#include "backends/registry.h"

/*
 * Before libxl is touched at all, open() checks that this host is a Xen dom0
 * whose xenstored runs: /proc/xen/capabilities says control_d and the
 * xenstored socket exists. Without Xen, libxl_ctx_alloc() fails (ERROR_FAIL,
 * "cannot open libxc handle"); in a dom0 without xenstored,
 * libxl_list_domain() falls back to /dev/xen/xenbus and blocks for ever
 * (see tests/e2e/xen). Test hooks: HVCLOCK_XEN_CAPABILITIES (the capabilities
 * file) and HVCLOCK_XENSTORED_SOCKETS (colon-separated socket paths) replace
 * those paths.
 *
 * Errors: libxl has no error object; it logs through the xentoollog logger
 * given to libxl_ctx_alloc() and dereferences it unconditionally (a NULL
 * logger segfaults). The backend's logger prints nothing: it keeps the
 * error-level messages of the current call in a per-thread buffer (libxl
 * logs in the calling thread; the ctx is thread-safe, workers call
 * set_boot_cmdline in parallel), and each failure quotes them in its one line.
 *
 * The config file: nothing in Xen records which file a domain was created
 * from, so the backend looks, in each directory of HVCLOCK_XEN_CONFIG_DIRS
 * (colon-separated; default /etc/xen:/etc/xen/auto), for NAME.cfg and NAME
 * (what `xl create NAME` reads) whose name= is the domain's, then for exactly
 * one *.cfg whose name= is the domain's, and says in boot_detail which file
 * it took and why. A file libxlutil cannot parse is reported, never edited.
 *
 * The change (set_boot_cmdline): the file's text is rewritten by xlcfg.c
 * (one key's value, validated by libxlutil), the first original is kept as
 * FILE.hvclock-orig next to it (in $HVCLOCK_STATE_DIR/xen/ when the file is
 * in an xendomains auto directory, which starts every file there), the new
 * text is written atomically (temp + fsync + rename over the file a symlink
 * points to, owner and mode kept) and read back. Then, like `xl config-update`,
 * the same text is stored as the running domain's "xl" userdata, which xl's
 * per-domain monitor process re-reads when the guest reboots (Xen's
 * tools/xl/xl_vmcontrol.c reload_domain_config()), so the change takes
 * effect at the guest's next reboot: reboot_applies is true. A domain
 * created again from the file (`xl shutdown -w` + `xl create`) gets it too.
 *
 * hvclock's record: a sidecar file $HVCLOCK_STATE_DIR/xen/NAME.record, keyed
 * by the domain name (see xlstore.c for why not the UUID, nor the file).
 *
 * include_inactive is ignored: xl has no defined-but-stopped domains; a
 * stopped guest is only a file.
 */

#define CAPABILITIES_FILE "/proc/xen/capabilities"
#define XENSTORED_SOCKETS "/run/xenstored/socket:/var/run/xenstored/socket"

struct libxl_backend {
	struct hvc_backend base;
	libxl_ctx *ctx;
	xentoollog_logger logger;
	struct hvc_xl_store store; /* config directories, state directory */
};

static struct libxl_backend *libxl_backend_from_backend(struct hvc_backend *b)
{
	assert(b && b->impl == &hvc_libxl_backend_impl);
	return (struct libxl_backend *)b;
}

/* ---- the logger: libxl's messages into hvclock's error text ---- */

static __thread char xtl_buf[768];

static void xtl_reset(void)
{
	xtl_buf[0] = '\0';
}

/* What libxl said since the last reset, or fallback. */
static const char *xtl_said(const char *fallback)
{
	return xtl_buf[0] ? xtl_buf : fallback;
}

static void capture_vmessage(struct xentoollog_logger *lg, xentoollog_level level, int errnoval,
	const char *context, const char *format, va_list al) _printf_(5, 0);
static void capture_vmessage(struct xentoollog_logger *lg, xentoollog_level level, int errnoval,
	const char *context, const char *format, va_list al)
{
	char msg[512];
	size_t used = strlen(xtl_buf);

	(void)lg;
	if (level < XTL_ERROR)
		return;
	vsnprintf(msg, sizeof(msg), format, al);
	snprintf(xtl_buf + used, sizeof(xtl_buf) - used, "%s%s%s%s%s%s", used ? "; " : "",
		context ? context : "", context ? ": " : "", msg, errnoval >= 0 ? ": " : "",
		errnoval >= 0 ? strerror(errnoval) : "");
}

static void capture_destroy(struct xentoollog_logger *lg)
{
	(void)lg;
}

/* ---- the dom0 check and open ---- */

static int check_dom0(struct hvc_error *err)
{
	const char *caps = getenv("HVCLOCK_XEN_CAPABILITIES");
	const char *socks = getenv("HVCLOCK_XENSTORED_SOCKETS");
	_cleanup_strv_free_ char **paths = NULL;
	_cleanup_free_ char *joined = NULL;
	char buf[256] = "";
	size_t n;
	FILE *f;

	caps = caps && *caps ? caps : CAPABILITIES_FILE;
	socks = socks && *socks ? socks : XENSTORED_SOCKETS;

	f = fopen(caps, "re");
	if (!f) {
		if (errno == ENOENT)
			return hvc_error_set(err, -ENODEV,
				"this host is not a Xen dom0 (%s does not exist: not running "
				"on Xen, or xenfs is not mounted)",
				caps);
		return hvc_error_set(err, -ENODEV,
			"this host is not a Xen dom0 (cannot read %s: %s)", caps, strerror(errno));
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (!strstr(buf, "control_d"))
		return hvc_error_set(err, -ENODEV,
			"this host is not a Xen dom0 (%s does not say control_d: this is an "
			"unprivileged domain)",
			caps);

	paths = strv_split(socks, ":");
	STRV_FOREACH (p, paths) {
		struct stat st;
		if (stat(*p, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
	}
	joined = strv_join(paths, " or ");
	return hvc_error_set(err, -ENODEV,
		"this host is not a Xen dom0 (it is privileged, but xenstored is not running: "
		"no %s; libxl would wait for it for ever)",
		joined);
}

/* xl:///, xl://, xl:, xl:///system (same for libxl:); a host part is refused. */
static int check_uri(const char *uri, struct hvc_error *err)
{
	const char *rest = strchr(uri, ':') + 1;

	if (strncmp(rest, "//", 2) == 0) {
		rest += 2;
		if (*rest && *rest != '/')
			return hvc_error_set(err, -EINVAL,
				"cannot connect to '%s': the libxl backend runs in the dom0 itself "
				"(xl:///); reach a remote Xen host through libvirt "
				"(xen+ssh://HOST/system)",
				uri);
	}
	if (*rest && !streq(rest, "/") && !streq(rest, "/system"))
		return hvc_error_set(
			err, -EINVAL, "cannot connect to '%s': unknown path (use xl:///)", uri);
	return 0;
}

static int libxl_open(
	const char *uri, bool read_only, struct hvc_backend **ret, struct hvc_error *err)
{
	struct libxl_backend *lb;
	int r;

	r = check_uri(uri, err);
	if (r < 0)
		return r;
	r = check_dom0(err);
	if (r < 0)
		return r;

	lb = xcalloc(1, sizeof(*lb));
	hvc_backend_init(&lb->base, &hvc_libxl_backend_impl, uri, read_only);
	lb->logger.vmessage = capture_vmessage;
	lb->logger.progress = NULL;
	lb->logger.destroy = capture_destroy;
	hvc_xl_store_init(&lb->store);

	xtl_reset();
	r = libxl_ctx_alloc(&lb->ctx, LIBXL_VERSION, 0, &lb->logger);
	if (r != 0) {
		hvc_error_set(err, -EIO, "cannot open libxenlight: %s",
			xtl_said("libxl_ctx_alloc failed"));
		lb->ctx = NULL;
		hvc_backend_destroy(&lb->base);
		return -EIO;
	}
	*ret = &lb->base;
	return 0;
}

static void libxl_destroy(struct hvc_backend *b)
{
	struct libxl_backend *lb = libxl_backend_from_backend(b);

	if (lb->ctx)
		libxl_ctx_free(lb->ctx);
	hvc_xl_store_finish(&lb->store);
	hvc_backend_finish(&lb->base);
	free(lb);
}

/* ---- listing ---- */

static enum hvc_guest_type type_from_libxl(libxl_domain_type t)
{
	switch (t) {
	case LIBXL_DOMAIN_TYPE_PV:
		return HVC_GUEST_TYPE_PV;
	case LIBXL_DOMAIN_TYPE_PVH:
		return HVC_GUEST_TYPE_PVH;
	case LIBXL_DOMAIN_TYPE_HVM:
		return HVC_GUEST_TYPE_HVM;
	default:
		return HVC_GUEST_TYPE_UNKNOWN;
	}
}

static enum hvc_state state_from_dominfo(const libxl_dominfo *d)
{
	if (d->dying || d->shutdown)
		return HVC_STATE_OTHER;
	if (d->paused)
		return HVC_STATE_PAUSED;
	/* running, blocked (idle) or runnable: all "running" to a person. */
	return HVC_STATE_RUNNING;
}

/* Append "; text" to *detail. */
static void detail_add(char **detail, const char *fmt, ...) _printf_(2, 3);
static void detail_add(char **detail, const char *fmt, ...)
{
	_cleanup_free_ char *more = NULL;
	char *joined;
	va_list ap;

	va_start(ap, fmt);
	more = xvasprintf(fmt, ap);
	va_end(ap);
	joined = *detail ? xasprintf("%s; %s", *detail, more) : xstrdup(more);
	free(*detail);
	*detail = joined;
}

/*
 * The host-side fields of g from the live configuration and the config file.
 * Returns -ENOENT when the domain vanished meanwhile.
 */
static int read_details(struct libxl_backend *lb, uint32_t domid, struct hvc_guest *g)
{
	libxl_domain_config dc;
	struct hvc_xl_file f = { 0 };
	struct hvc_error e = { 0 };
	const char *kernel = NULL, *bootloader = NULL, *cmdline = NULL;
	enum hvc_boot_path live_boot;
	uint8_t *ud = NULL;
	int r, ud_len = 0;

	libxl_domain_config_init(&dc);
	xtl_reset();
	r = libxl_retrieve_domain_configuration(lb->ctx, domid, &dc, NULL);
	if (r == ERROR_DOMAIN_NOTFOUND) {
		libxl_domain_config_dispose(&dc);
		return -ENOENT;
	}
	if (r != 0) {
		g->error = xasprintf("cannot read the domain configuration: %s",
			xtl_said("libxl_retrieve_domain_configuration failed"));
		libxl_domain_config_dispose(&dc);
		return 0;
	}
	g->type = type_from_libxl(dc.c_info.type);
	kernel = dc.b_info.kernel;
	bootloader = dc.b_info.bootloader;
	cmdline = dc.b_info.cmdline;
	if (dc.c_info.type == LIBXL_DOMAIN_TYPE_PV) {
		/* Older libxl kept these in the PV part only (libxl_types.idl: b_info.u.pv.cmdline). */
		kernel = kernel ? kernel : dc.b_info.u.pv.kernel;
		bootloader = bootloader ? bootloader : dc.b_info.u.pv.bootloader;
		cmdline = cmdline ? cmdline : dc.b_info.u.pv.cmdline;
	}
	live_boot = hvc_xl_boot_path(g->type, kernel, bootloader, NULL);
	g->live_cmdline = xstrdup(cmdline ? cmdline : "");

	if (hvc_xl_find_config(&lb->store, g->name, &f, &e) == 0 && f.parsed) {
		g->boot = f.cfg.boot;
		g->boot_detail = xstrdup(f.cfg.boot_detail);
		g->has_cmdline = f.cfg.has_cmdline;
		g->cmdline = xstrdup_or_null(f.cfg.cmdline);
		if (g->boot == HVC_BOOT_DIRECT_KERNEL)
			g->kernel = xstrdup(f.cfg.kernel);
		g->cmdline_location = xasprintf("%s %s=", f.path, f.cfg.cmdline_key);
		detail_add(&g->boot_detail, "config %s (%s)", f.path, f.why);
		if (f.cfg.boot != live_boot || f.cfg.type != g->type)
			detail_add(&g->boot_detail,
				"the running domain was built differently: %s %s",
				hvc_guest_type_to_string(g->type),
				hvc_boot_path_to_string(live_boot));
	} else {
		/* No usable file: what libxl holds; set_boot_cmdline will say why it cannot. */
		g->boot = live_boot;
		g->has_cmdline = cmdline != NULL;
		g->cmdline = xstrdup_or_null(cmdline);
		if (live_boot == HVC_BOOT_DIRECT_KERNEL)
			g->kernel = xstrdup(kernel);
		switch (live_boot) {
		case HVC_BOOT_DIRECT_KERNEL:
			g->boot_detail = xasprintf("kernel %s", kernel);
			break;
		case HVC_BOOT_BOOTLOADER:
			g->boot_detail = xasprintf("bootloader %s", bootloader);
			break;
		case HVC_BOOT_PVGRUB:
			g->boot_detail = xasprintf("PV-GRUB kernel %s", kernel);
			break;
		case HVC_BOOT_FIRMWARE:
			g->boot_detail = hvc_xl_kernel_is_hvmloader(kernel)
				? xasprintf("HVM firmware (xl ignores kernel %s)", kernel)
				: xstrdup("HVM firmware (no kernel)");
			break;
		default:
			break;
		}
		if (f.path) {
			detail_add(&g->boot_detail, "config %s cannot be used: %s", f.path,
				f.parse_error);
			g->cmdline_location =
				xasprintf("%s (not editable: libxlutil cannot parse it)", f.path);
		} else {
			detail_add(&g->boot_detail, "%s", e.msg);
			g->cmdline_location = xstrdup("no xl config file found for this domain");
		}
	}
	g->reboot_applies = true;

	/* A pending `xl config-update` decides the next reboot: say so when it differs. */
	xtl_reset();
	if (libxl_userdata_retrieve(lb->ctx, domid, "xl", &ud, &ud_len) == 0 && ud && ud_len > 0) {
		_cleanup_free_ char *text = xstrndup((const char *)ud, (size_t)ud_len);
		struct hvc_xlcfg pending = { 0 };
		struct hvc_error pe = { 0 };

		if (hvc_xlcfg_parse(text, "<xl userdata>", &pending, &pe) < 0)
			detail_add(&g->boot_detail,
				"a pending xl config-update cannot be parsed: %s", pe.msg);
		else if (!streq_ptr(pending.cmdline, g->cmdline))
			detail_add(&g->boot_detail,
				"a pending xl config-update gives the next reboot the command line "
				"'%s'",
				strna(pending.cmdline));
		hvc_xlcfg_finish(&pending);
	}
	free(ud);

	hvc_error_clear(&e);
	if (hvc_xl_load_record(&lb->store, g->name, &g->record, &g->has_record, &e) < 0)
		detail_add(&g->boot_detail, "hvclock's record is unreadable: %s", e.msg);

	hvc_xl_file_finish(&f);
	libxl_domain_config_dispose(&dc);
	return 0;
}

/* A guest for the listing, or NULL when the domain vanished meanwhile. */
static struct hvc_guest *read_guest(struct libxl_backend *lb, const libxl_dominfo *d)
{
	struct hvc_guest *g;
	struct utsname u;
	char *name;

	xtl_reset();
	name = libxl_domid_to_name(lb->ctx, d->domid);
	if (!name && libxl_domain_info(lb->ctx, NULL, d->domid) == ERROR_DOMAIN_NOTFOUND)
		return NULL;

	g = hvc_guest_new();
	g->backend = xstrdup("libxl");
	g->uri = xstrdup(lb->base.uri);
	snprintf(g->uuid, sizeof(g->uuid), LIBXL_UUID_FMT, LIBXL_UUID_BYTES(d->uuid));
	g->state = state_from_dominfo(d);
	g->persistent = true; /* its config file is the persistent definition */
	g->hypervisor = HVC_HYPERVISOR_XEN;
	/* xl.cfg has no architecture key: Xen runs guests of the dom0's architecture. */
	if (uname(&u) == 0)
		g->arch = xstrdup(u.machine);
	if (!name) {
		g->name = xasprintf("domid-%u", d->domid);
		g->error = xasprintf("cannot read the domain's name: %s",
			xtl_said("libxl_domid_to_name failed"));
		return g;
	}
	g->name = name;
	if (read_details(lb, d->domid, g) == -ENOENT) {
		hvc_guest_free(g);
		return NULL;
	}
	return g;
}

static int compare_guest_names(const void *a, const void *b)
{
	return hvc_natural_cmp(
		(*(struct hvc_guest *const *)a)->name, (*(struct hvc_guest *const *)b)->name);
}

static int libxl_list_guests(struct hvc_backend *b, bool include_inactive,
	struct hvc_guest_list *out, struct hvc_error *err)
{
	struct libxl_backend *lb = libxl_backend_from_backend(b);
	struct hvc_guest **gs = NULL;
	libxl_dominfo *info;
	size_t n_gs = 0;
	int n = 0;

	(void)include_inactive; /* xl has no stopped domains, only files */
	xtl_reset();
	info = libxl_list_domain(lb->ctx, &n);
	if (!info)
		return hvc_error_set(err, -EIO, "cannot list the domains on '%s': %s", b->uri,
			xtl_said("libxl_list_domain failed"));
	for (int i = 0; i < n; i++) {
		struct hvc_guest *g;
		if (info[i].domid == 0)
			continue; /* Domain-0 is the host itself */
		g = read_guest(lb, &info[i]);
		if (!g)
			continue;
		gs = xrealloc(gs, n_gs + 1, sizeof(*gs));
		gs[n_gs++] = g;
	}
	libxl_dominfo_list_free(info, n);
	if (n_gs)
		qsort(gs, n_gs, sizeof(*gs), compare_guest_names);
	for (size_t i = 0; i < n_gs; i++)
		hvc_guest_list_append(out, gs[i]);
	free(gs);
	return 0;
}

/*
 * dom0 as the host row: Xen workarounds #1 and #2 change dom0 too (its sysctl,
 * its own kernel line). hvclock runs in dom0 (open() checked that), so the
 * guest scripts run there through the local transport; dom0's kernel line
 * comes from the host's boot loader, as for a firmware-booted guest.
 */
static int libxl_host(struct hvc_backend *b, struct hvc_guest **ret, struct hvc_error *err)
{
	struct libxl_backend *lb = libxl_backend_from_backend(b);
	libxl_dominfo info;
	char uuid[37], *name;
	int r;

	libxl_dominfo_init(&info);
	xtl_reset();
	r = libxl_domain_info(lb->ctx, &info, 0);
	if (r != 0) {
		libxl_dominfo_dispose(&info);
		return hvc_error_set(err, -EIO, "cannot read dom0 on '%s': %s", b->uri,
			xtl_said("libxl_domain_info failed"));
	}
	name = libxl_domid_to_name(lb->ctx, 0);
	snprintf(uuid, sizeof(uuid), LIBXL_UUID_FMT, LIBXL_UUID_BYTES(info.uuid));
	*ret = hvc_guest_new_dom0("libxl", b->uri, name ? name : "Domain-0", uuid,
		info.domain_type == LIBXL_DOMAIN_TYPE_PVH ? HVC_GUEST_TYPE_PVH : HVC_GUEST_TYPE_PV);
	free(name);
	libxl_dominfo_dispose(&info);
	return 0;
}

/* ---- the change ---- */

/* Store text as the domain's "xl" userdata (= xl config-update) and read it back. */
static int store_userdata(
	struct libxl_backend *lb, uint32_t domid, const char *text, struct hvc_error *err)
{
	uint8_t *back = NULL;
	int len = (int)strlen(text), back_len = 0, r;

	xtl_reset();
	r = libxl_userdata_store(lb->ctx, domid, "xl", (const uint8_t *)text, len);
	if (r != 0)
		return hvc_error_set(err, -EIO, "libxl_userdata_store: %s", xtl_said("failed"));
	xtl_reset();
	r = libxl_userdata_retrieve(lb->ctx, domid, "xl", &back, &back_len);
	if (r != 0 || back_len != len || memcmp(back, text, (size_t)len) != 0)
		r = hvc_error_set(err, -EIO, "the stored \"xl\" userdata does not read back: %s",
			xtl_said("different content"));
	free(back);
	return r;
}

/* The domid of the domain named name whose uuid is uuid, or -ENOENT. */
static int find_domid(struct libxl_backend *lb, const char *name, uint32_t *ret)
{
	uint32_t domid;

	xtl_reset();
	if (libxl_name_to_domid(lb->ctx, name, &domid) != 0)
		return -ENOENT;
	*ret = domid;
	return 0;
}

static int libxl_set_boot_cmdline(struct hvc_backend *b, const struct hvc_guest *g,
	const char *expect_old, const char *new_cmdline, const struct hvc_record *rec,
	struct hvc_error *err)
{
	struct libxl_backend *lb = libxl_backend_from_backend(b);
	const char *name = g->name ? g->name : g->uuid;
	_cleanup_free_ char *text = NULL, *path = NULL;
	const char *key = NULL;
	uint32_t domid;
	int r;

	r = hvc_xl_rewrite_config(
		&lb->store, name, g->uuid, expect_old, new_cmdline, rec, &text, &path, &key, err);
	if (r < 0)
		goto fail;

	/* Like `xl config-update`: the running domain's next reboot uses the new text. */
	if (find_domid(lb, name, &domid) == 0) {
		r = store_userdata(lb, domid, text, err);
		if (r < 0) {
			hvc_error_prefix(err,
				"%s %s= is changed, but the running domain keeps its old "
				"configuration at reboot; to apply it, run "
				"'xl shutdown -w %s' then 'xl create %s'",
				path, key, name, path);
			goto fail;
		}
	}
	return 0;
fail:
	hvc_error_prefix(err, "guest '%s'", name);
	return r;
}

/*
 * libxl_domain_shutdown / _reboot send Xen's PV request (the guest may
 * ignore it); xl's per-domain monitor builds a rebooted domain again from
 * its "xl" userdata. libxl_domain_destroy pulls the plug. A destroyed domain
 * is only a file again: starting it is `xl create`, not offered here.
 */
static int libxl_power(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_power what,
	struct hvc_error *err)
{
	struct libxl_backend *lb = libxl_backend_from_backend(b);
	const char *name = g->name ? g->name : g->uuid;
	uint32_t domid;
	int r;

	if (find_domid(lb, name, &domid) < 0)
		return hvc_error_set(err, -ENOENT, "guest '%s': no such domain", name);
	switch (what) {
	case HVC_POWER_SHUTDOWN:
		r = libxl_domain_shutdown(lb->ctx, domid, NULL);
		break;
	case HVC_POWER_REBOOT:
		r = libxl_domain_reboot(lb->ctx, domid, NULL);
		break;
	case HVC_POWER_OFF:
		r = libxl_domain_destroy(lb->ctx, domid, NULL);
		break;
	default:
		return hvc_error_set(err, -EOPNOTSUPP, "the libxl backend cannot %s a guest",
			hvc_power_to_string(what));
	}
	if (r != 0)
		return hvc_error_set(err, -EIO, "guest '%s': libxl cannot %s it: %s", name,
			hvc_power_to_string(what), xtl_said("no message"));
	return 0;
}

static int libxl_guest_state(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_state *ret,
	struct hvc_error *err)
{
	struct libxl_backend *lb = libxl_backend_from_backend(b);
	libxl_dominfo info;
	uint32_t domid;
	int r;

	if (find_domid(lb, g->name ? g->name : g->uuid, &domid) < 0) {
		*ret = HVC_STATE_SHUTOFF;
		return 0;
	}
	libxl_dominfo_init(&info);
	r = libxl_domain_info(lb->ctx, &info, domid);
	if (r == ERROR_DOMAIN_NOTFOUND)
		*ret = HVC_STATE_SHUTOFF;
	else if (r == 0)
		*ret = state_from_dominfo(&info);
	libxl_dominfo_dispose(&info);
	if (r != 0 && r != ERROR_DOMAIN_NOTFOUND)
		return hvc_error_set(err, -EIO, "guest '%s': cannot read its state: %s", g->name,
			xtl_said("libxl_domain_info failed"));
	return 0;
}

const struct hvc_backend_impl hvc_libxl_backend_impl = {
	.name = "libxl",
	.open = libxl_open,
	.destroy = libxl_destroy,
	.list_guests = libxl_list_guests,
	.set_boot_cmdline = libxl_set_boot_cmdline,
	/* libxl does not know guest addresses: --guest-address, hvclock.conf or the record. */
	.guest_addresses = NULL,
	.host = libxl_host,
	.power = libxl_power,
	.power_ops = 1u << HVC_POWER_SHUTDOWN | 1u << HVC_POWER_REBOOT | 1u << HVC_POWER_OFF,
	.guest_state = libxl_guest_state,
	.uuid_per_start = true,
};
