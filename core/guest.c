/* guest.c: the guest model, its enum tables and lifetimes. */
#include <ctype.h>
#include <strings.h>
#include <stdio.h>

#include "core/guest.h"

HVC_ENUM_IMPL(hvc_hypervisor, HVC_HYPERVISOR_LAST, "unknown", "kvm", "xen")
HVC_ENUM_IMPL(hvc_identity, HVC_IDENTITY_LAST, "unchecked", "verified", "mismatch", "unknown",
	"allowed", "local")
HVC_ENUM_IMPL(hvc_guest_type, HVC_GUEST_TYPE_LAST, "unknown", "pv", "pvh", "hvm", "kvm")
HVC_ENUM_IMPL(hvc_boot_path, HVC_BOOT_LAST, "unknown", "direct-kernel", "bootloader", "pvgrub",
	"firmware")
HVC_ENUM_IMPL(hvc_state, HVC_STATE_LAST, "unknown", "running", "paused", "shutoff", "other")
HVC_ENUM_IMPL(hvc_bootloader, HVC_BOOTLOADER_LAST, "unknown", "grubby", "update-grub",
	"grub2-mkconfig", "rpm-ostree", "systemd-boot", "bls", "update-extlinux", "extlinux",
	"grub-mkconfig", "grub-legacy", "menu-lst", "none")

bool hvc_bootloader_has_items(enum hvc_bootloader b)
{
	switch (b) {
	case HVC_BOOTLOADER_RPM_OSTREE:
	case HVC_BOOTLOADER_SYSTEMD_BOOT:
	case HVC_BOOTLOADER_BLS:
	case HVC_BOOTLOADER_UPDATE_EXTLINUX:
	case HVC_BOOTLOADER_EXTLINUX:
	case HVC_BOOTLOADER_MENU_LST:
		return true;
	default:
		return false;
	}
}
HVC_ENUM_IMPL(hvc_symptom, HVC_SYMPTOM_LAST, "time-went-backwards", "clocksource-unstable",
	"tsc-unstable", "switched", "override-refused", "lockup", "other")

bool hvc_boot_path_host_cmdline_reaches_kernel(enum hvc_boot_path b)
{
	return b == HVC_BOOT_DIRECT_KERNEL || b == HVC_BOOT_BOOTLOADER;
}

bool hvc_grub_file_sendable(const char *p)
{
	static const char dir[] = "/etc/default/grub.d/";
	size_t n;

	if (streq(p, "/etc/default/grub"))
		return true;
	if (strncmp(p, dir, sizeof(dir) - 1) != 0)
		return false;
	p += sizeof(dir) - 1;
	n = strlen(p);
	if (n <= 4 || n > 200 || *p == '.' || !streq(p + n - 4, ".cfg"))
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._@+-", *p))
			return false;
	return true;
}

struct hvc_guest *hvc_guest_new(void)
{
	struct hvc_guest *g = xcalloc(1, sizeof(*g));
	hvc_facts_init(&g->facts);
	return g;
}

void hvc_facts_init(struct hvc_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->has_independent_wallclock = HVC_UNKNOWN;
	f->independent_wallclock = -1;
	f->constant_tsc = f->nonstop_tsc = f->tsc_reliable = HVC_UNKNOWN;
	f->timesync_active = HVC_UNKNOWN;
	f->uptime_seconds = -1;
}

void hvc_facts_finish(struct hvc_facts *f)
{
	free(f->kernel_release);
	free(f->kernel_release_source);
	free(f->os_release);
	free(f->uuid_dmi);
	free(f->boot_id);
	free(f->uuid_xen);
	free(f->current_clocksource);
	strv_free(f->available_clocksources);
	free(f->proc_cmdline);
	free(f->timesync);
	free(f->grub_cmdline);
	free(f->grub_cmdline_default);
	strv_free(f->boot_items);
	free(f->grub_cmdline_file);
	free(f->grub_cmdline_default_file);
	free(f->bootloader_why);
	for (size_t i = 0; i < f->n_log; i++)
		free(f->log[i].text);
	free(f->log);
	strv_free(f->sysctls);
	free(f->sysctl_dropin);
	free(f->sysctl_boot);
	free(f->sysctl_boot_evidence);
	for (size_t i = 0; i < f->n_sysctl_conf; i++) {
		free(f->sysctl_conf[i].key);
		free(f->sysctl_conf[i].value);
	}
	free(f->sysctl_conf);
	for (size_t i = 0; i < f->n_sysctl_sets; i++) {
		free(f->sysctl_sets[i].key);
		free(f->sysctl_sets[i].value);
		free(f->sysctl_sets[i].path);
	}
	free(f->sysctl_sets);
	for (size_t i = 0; i < f->n_sysctl_files; i++) {
		free(f->sysctl_files[i].path);
		free(f->sysctl_files[i].target);
	}
	free(f->sysctl_files);
	free(f->guest_state_clocksource);
	strv_free(f->guest_state_sysctls);
	free(f->log_source);
	strv_free(f->timesync_out);
	hvc_facts_init(f);
}

char *hvc_boot_value_label(const struct hvc_facts *f, bool default_)
{
	switch (f->bootloader) {
	case HVC_BOOTLOADER_GRUBBY:
		return xstrdup("grubby's default kernel command line");
	case HVC_BOOTLOADER_GRUB_LEGACY:
		return xstrdup(default_ ? "'# defoptions=' in /boot/grub/menu.lst"
					: "'# kopt=' in /boot/grub/menu.lst");
	default:
		if (default_)
			return xasprintf("GRUB_CMDLINE_LINUX_DEFAULT in %s",
				f->grub_cmdline_default_file ? f->grub_cmdline_default_file
							     : "/etc/default/grub");
		return xasprintf("GRUB_CMDLINE_LINUX in %s",
			f->grub_cmdline_file ? f->grub_cmdline_file : "/etc/default/grub");
	}
}

void hvc_record_finish(struct hvc_record *r)
{
	free(r->profile);
	free(r->time);
	free(r->old_cmdline);
	free(r->new_cmdline);
	free(r->address);
	memset(r, 0, sizeof(*r));
}

void hvc_facts_add_log(struct hvc_facts *f, enum hvc_symptom s, const char *text)
{
	f->log = xrealloc(f->log, f->n_log + 1, sizeof(*f->log));
	f->log[f->n_log].symptom = s;
	f->log[f->n_log].text = xstrdup(text);
	f->n_log++;
}

bool hvc_facts_has_symptom(const struct hvc_facts *f, enum hvc_symptom s)
{
	for (size_t i = 0; i < f->n_log; i++)
		if (f->log[i].symptom == s)
			return true;
	return false;
}

void hvc_guest_free(struct hvc_guest *g)
{
	if (!g)
		return;
	free(g->backend);
	free(g->uri);
	free(g->host);
	free(g->name);
	free(g->boot_detail);
	free(g->kernel);
	free(g->cmdline);
	free(g->live_cmdline);
	free(g->cmdline_location);
	free(g->os_id);
	free(g->arch);
	free(g->error);
	free(g->recorded_profile);
	strv_free(g->addresses);
	hvc_record_finish(&g->record);
	hvc_facts_finish(&g->facts);
	free(g);
}

void hvc_guest_list_append(struct hvc_guest_list *l, struct hvc_guest *g)
{
	l->guests = xrealloc(l->guests, l->n + 1, sizeof(*l->guests));
	l->guests[l->n++] = g;
}

void hvc_guest_list_finish(struct hvc_guest_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		hvc_guest_free(l->guests[i]);
	free(l->guests);
	l->guests = NULL;
	l->n = 0;
}

bool hvc_guest_is_xen_pv(const struct hvc_guest *g)
{
	return g->hypervisor == HVC_HYPERVISOR_XEN && g->type == HVC_GUEST_TYPE_PV;
}

char *hvc_kernel_release_from_path(const char *path)
{
	static const char *const prefixes[] = { "vmlinuz-", "vmlinux-", "bzImage-", "kernel-" };
	const char *base;

	if (!path)
		return NULL;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(base, prefixes[i], n) == 0 && isdigit((unsigned char)base[n])) {
			const char *v = base + n;
			/* A release looks like N.N...; reject "vmlinuz-1" style names. */
			if (!strchr(v, '.'))
				return NULL;
			return xstrdup(v);
		}
	}
	return NULL;
}

/* The host row's boot_detail, before where its changes are made. */
#define DOM0_BOOT_DETAIL                                                   \
	"dom0 of this host: its kernel line is in the host's boot loader " \
	"(GRUB_CMDLINE_LINUX; the hypervisor's GRUB_CMDLINE_XEN is never touched); "

struct hvc_guest *hvc_guest_new_dom0(const char *backend, const char *uri, const char *name,
	const char *uuid, enum hvc_guest_type type)
{
	struct hvc_guest *g = hvc_guest_new();

	g->is_host = true;
	g->backend = xstrdup(backend);
	g->uri = xstrdup(uri);
	g->name = xstrdup(name);
	snprintf(g->uuid, sizeof(g->uuid), "%s", uuid);
	g->state = HVC_STATE_RUNNING;
	g->persistent = true;
	g->hypervisor = HVC_HYPERVISOR_XEN;
	g->type = type;
	g->boot = HVC_BOOT_FIRMWARE;
	g->boot_detail = xstrdup(DOM0_BOOT_DETAIL "changed locally, not over SSH");
	g->cmdline_location = xstrdup("the host's boot loader");
	g->reboot_applies = true;
	return g;
}

void hvc_guest_dom0_over_ssh(struct hvc_guest *g)
{
	free_and_strdup(&g->boot_detail, DOM0_BOOT_DETAIL "changed in that dom0 over SSH");
}

const char *hvc_guest_kind(const struct hvc_guest *g, char *buf, size_t len)
{
	if (g->is_host && g->hypervisor == HVC_HYPERVISOR_XEN)
		snprintf(buf, len, "xen dom0");
	else if (g->is_host)
		snprintf(buf, len, "%s host", hvc_hypervisor_to_string(g->hypervisor));
	else if (g->hypervisor == HVC_HYPERVISOR_XEN)
		snprintf(buf, len, "xen %s", hvc_guest_type_to_string(g->type));
	else
		snprintf(buf, len, "%s", hvc_hypervisor_to_string(g->hypervisor));
	return buf;
}

bool hvc_uuid_valid(const char *s)
{
	static const char form[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (!s || strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* The SMBIOS byte-swapped form: the first three fields (4, 2, 2 bytes) reversed byte-wise. */
static void uuid_swapped(const char *u, char out[37])
{
	static const int map[] = { 6, 7, 4, 5, 2, 3, 0, 1, -1, 11, 12, 9, 10, -1, 16, 17, 14, 15 };

	memcpy(out, u, 37);
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (map[i] >= 0)
			out[i] = u[map[i]];
}

enum hvc_identity hvc_identity_check(
	const char *domain_uuid, const struct hvc_facts *f, bool allow_unknown, char **ret_detail)
{
	const struct {
		const char *uuid, *what;
	} seen[] = {
		{ f->uuid_dmi, "SMBIOS product_uuid" },
		{ f->uuid_xen, "/sys/hypervisor/uuid" },
	};
	_cleanup_free_ char *list = NULL;
	bool any = false;

	*ret_detail = NULL;
	for (size_t i = 0; i < ELEMENTSOF(seen); i++) {
		char swapped[37];
		char *l;

		if (!seen[i].uuid || !hvc_uuid_valid(seen[i].uuid))
			continue;
		any = true;
		if (domain_uuid && hvc_uuid_valid(domain_uuid)) {
			uuid_swapped(seen[i].uuid, swapped);
			if (strcasecmp(seen[i].uuid, domain_uuid) == 0 ||
				strcasecmp(swapped, domain_uuid) == 0) {
				*ret_detail = xasprintf("the guest's %s is the domain's UUID%s",
					seen[i].what,
					strcasecmp(seen[i].uuid, domain_uuid)
						? " (SMBIOS byte order)"
						: "");
				return HVC_IDENTITY_VERIFIED;
			}
		}
		l = xasprintf("%s%s%s %s", list ? list : "", list ? ", " : "", seen[i].what,
			seen[i].uuid);
		free(list);
		list = l;
	}
	if (any) {
		*ret_detail = xasprintf("the guest reports %s, not this domain's UUID %s", list,
			strna(domain_uuid));
		return HVC_IDENTITY_MISMATCH;
	}
	*ret_detail = xstrdup("the guest reports no UUID (no readable SMBIOS product_uuid or "
			      "/sys/hypervisor/uuid)");
	return allow_unknown ? HVC_IDENTITY_ALLOWED : HVC_IDENTITY_UNKNOWN;
}

bool hvc_guests_several_hosts(struct hvc_guest *const *gs, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (!streq_ptr(gs[i]->host, gs[0]->host))
			return true;
	return false;
}
