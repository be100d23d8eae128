/* guest.h: the model of one guest as hvclock sees it, from the host and from inside. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/enum.h"

enum hvc_hypervisor {
	HVC_HYPERVISOR_UNKNOWN,
	HVC_HYPERVISOR_KVM, /* KVM, and QEMU under TCG (libvirt domain type 'qemu') */
	HVC_HYPERVISOR_XEN,
	HVC_HYPERVISOR_LAST,
};
HVC_ENUM_DECL(hvc_hypervisor); /* "unknown", "kvm", "xen" */

enum hvc_guest_type {
	HVC_GUEST_TYPE_UNKNOWN,
	HVC_GUEST_TYPE_PV,
	HVC_GUEST_TYPE_PVH,
	HVC_GUEST_TYPE_HVM, /* Xen HVM */
	HVC_GUEST_TYPE_KVM, /* KVM/QEMU full virtualisation */
	HVC_GUEST_TYPE_LAST,
};
HVC_ENUM_DECL(hvc_guest_type); /* "unknown", "pv", "pvh", "hvm", "kvm" */

/* Where the guest kernel's command line comes from. */
enum hvc_boot_path {
	HVC_BOOT_UNKNOWN,
	HVC_BOOT_DIRECT_KERNEL, /* host holds kernel + cmdline: libvirt <kernel>, xl kernel= */
	HVC_BOOT_BOOTLOADER, /* host runs a boot loader (pygrub) that appends the host cmdline */
	HVC_BOOT_PVGRUB, /* pvgrub/PvhGrub image: host cmdline goes to GRUB, not Linux */
	HVC_BOOT_FIRMWARE, /* BIOS/UEFI + the guest's own GRUB */
	HVC_BOOT_LAST,
};
HVC_ENUM_DECL(hvc_boot_path); /* "unknown", "direct-kernel", "bootloader", "pvgrub", "firmware" */

/* True where a host-side cmdline edit reaches the guest's Linux kernel. */
bool hvc_boot_path_host_cmdline_reaches_kernel(enum hvc_boot_path b);

/* True if p is a GRUB defaults file hvclock names to the guest: /etc/default/grub, or
 * /etc/default/grub.d/NAME.cfg with NAME of letters, digits and . _ @ + - (no leading dot). */
bool hvc_grub_file_sendable(const char *p);

enum hvc_state {
	HVC_STATE_UNKNOWN,
	HVC_STATE_RUNNING,
	HVC_STATE_PAUSED,
	HVC_STATE_SHUTOFF,
	HVC_STATE_OTHER, /* crashed, shutting down, suspended... */
	HVC_STATE_LAST,
};
HVC_ENUM_DECL(hvc_state);

enum hvc_bootloader {
	HVC_BOOTLOADER_UNKNOWN,
	HVC_BOOTLOADER_GRUBBY, /* grubby / BLS entries */
	HVC_BOOTLOADER_UPDATE_GRUB, /* Debian: /etc/default/grub + update-grub */
	HVC_BOOTLOADER_GRUB2_MKCONFIG, /* /etc/default/grub + grub2-mkconfig -o ... */
	/* Families whose command lines are boot_items (one per file or line): */
	HVC_BOOTLOADER_RPM_OSTREE, /* rpm-ostree kargs --delete/--append (item "rpm-ostree") */
	HVC_BOOTLOADER_SYSTEMD_BOOT, /* /etc/kernel/cmdline, then kernel-install add */
	HVC_BOOTLOADER_BLS, /* BLS entries' options lines (+ /etc/kernel/cmdline), no grubby */
	HVC_BOOTLOADER_UPDATE_EXTLINUX, /* Alpine: default_kernel_opts, then update-extlinux */
	HVC_BOOTLOADER_EXTLINUX, /* extlinux.conf / syslinux.cfg APPEND lines */
	/* /etc/default/grub + grub-mkconfig -o /boot/grub/grub.cfg (Arch, Gentoo, Alpine) */
	HVC_BOOTLOADER_GRUB_MKCONFIG,
	/* GRUB legacy: menu.lst's "# kopt=" + Debian's grub-legacy update-grub */
	HVC_BOOTLOADER_GRUB_LEGACY,
	/* GRUB legacy without a tool: menu.lst's kernel lines, all entries (boot_items) */
	HVC_BOOTLOADER_MENU_LST,
	HVC_BOOTLOADER_NONE, /* nothing hvclock knows how to edit */
	HVC_BOOTLOADER_LAST,
};
HVC_ENUM_DECL(hvc_bootloader);
#define HVC_BOOT_ITEMS_MAX 32
/* Whether the family keeps its command lines as boot_items (rpm-ostree, systemd-boot, bls,
 * update-extlinux, extlinux, menu-lst). */
bool hvc_bootloader_has_items(enum hvc_bootloader b);

/* Classes of kernel log lines that count as evidence (docs/remedies.md §5a). */
enum hvc_symptom {
	HVC_SYMPTOM_TIME_WENT_BACKWARDS, /* "clocksource/0: Time went backwards" (XenLinux) */
	HVC_SYMPTOM_CLOCKSOURCE_UNSTABLE, /* "Clocksource tsc unstable", "Marking clocksource ... unstable" */
	HVC_SYMPTOM_TSC_UNSTABLE, /* "Marking TSC unstable", "TSC warp", check_tsc_sync */
	HVC_SYMPTOM_SWITCHED, /* "Switched to clocksource" / "Switching to clocksource" */
	HVC_SYMPTOM_OVERRIDE_REFUSED, /* "Override clocksource ... not HRT compatible" */
	HVC_SYMPTOM_LOCKUP, /* soft lockup, rcu stall, hrtimer interrupt took */
	HVC_SYMPTOM_OTHER,
	HVC_SYMPTOM_LAST,
};
HVC_ENUM_DECL(hvc_symptom);

struct hvc_log_line {
	enum hvc_symptom symptom;
	char *text;
};

/* An assignment of a requested sysctl key in the guest's /etc/sysctl.conf. */
struct hvc_sysctl_line {
	long line; /* 1-based line number */
	bool hvclock; /* inside hvclock's marked block */
	char *key;
	char *value; /* as the file has it, blanks trimmed */
	char *path; /* the file (sysctl-set lines); NULL for /etc/sysctl.conf's */
};

/* A file in a sysctl.d directory of the guest (reported whether or not it sets a key: a name in
 * /etc/sysctl.d hides the same name further down for systemd-sysctl). */
struct hvc_sysctl_file {
	char *path;
	char *target; /* where a symlink leads (readlink -f); NULL: not a symlink */
};

/* Tri-state for facts that may not be known yet. */
enum hvc_tristate {
	HVC_UNKNOWN = -1,
	HVC_NO = 0,
	HVC_YES = 1,
};

/*
 * What is known from inside the guest (or inferred from the host). Every
 * pointer may be NULL = not known; `inspected` says whether a guest-side
 * inspection ran at all.
 */
struct hvc_facts {
	bool inspected;
	char *kernel_release; /* uname -r */
	char *kernel_release_source; /* "guest" or "host kernel path" */
	char *os_release; /* PRETTY_NAME from /etc/os-release */
	/* The UUIDs the system reports for itself (lower case): SMBIOS product_uuid, Xen's. */
	char *uuid_dmi, *uuid_xen;
	/* /proc/sys/kernel/random/boot_id: new at every boot of the guest's kernel. */
	char *boot_id;
	char *current_clocksource;
	char **available_clocksources;
	char *proc_cmdline;
	enum hvc_tristate
		has_independent_wallclock; /* /proc/sys/xen/independent_wallclock exists */
	int independent_wallclock; /* its value, when present */
	enum hvc_tristate constant_tsc, nonstop_tsc, tsc_reliable;
	char *timesync; /* "chronyd", "ntpd", "systemd-timesyncd", "none" */
	enum hvc_tristate timesync_active;
	enum hvc_bootloader bootloader;
	char *grub_cmdline; /* GRUB_CMDLINE_LINUX (or the grubby default args) */
	/* GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub; NULL: no such assignment. */
	char *grub_cmdline_default;
	/* The item families (hvc_bootloader_has_items()): "ID ARGS" per command line the boot
	 * loader keeps (ID: a file, "FILE:N" for its Nth APPEND line or, for
	 * /boot/grub/menu.lst, its Nth kernel line, or "rpm-ostree"), in the guest's order; at
	 * most HVC_BOOT_ITEMS_MAX. */
	char **boot_items;
	/* The files whose assignments of those two win (/etc/default/grub, or an
	 * /etc/default/grub.d/ *.cfg that grub-mkconfig sources after it); NULL: not reported. */
	char *grub_cmdline_file, *grub_cmdline_default_file;
	/* "bootloader-why": why the guest's boot loader cannot be edited safely, or with
	 * bootloader "none" what the guest has and what is missing (guest text: it names what
	 * was found). */
	char *bootloader_why;
	long uptime_seconds; /* -1 when unknown */
	struct hvc_log_line *log;
	size_t n_log;
	/* Sysctl keys that exist in the guest, with their live values ("key=value"). */
	char **sysctls;
	/* Existing hvclock sysctl drop-in content in the guest, NULL if absent. */
	char *sysctl_dropin;
	/* Which sysctl files the guest's boot reads: "sysctl.d" (/etc/sysctl.d and
	 * /etc/sysctl.conf) or "sysctl.conf" (only that); NULL = not reported. */
	char *sysctl_boot;
	char *sysctl_boot_evidence; /* the guest file that showed it; NULL = none found */
	/* The assignments of the requested keys in /etc/sysctl.conf, in file order. */
	struct hvc_sysctl_line *sysctl_conf;
	size_t n_sysctl_conf;
	/* The files in /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d and
	 * /lib/sysctl.d, in the guest's listing order, and the assignments of the requested keys in
	 * them (path set), in file then line order. Only with sysctl_boot "sysctl.d". */
	struct hvc_sysctl_file *sysctl_files;
	size_t n_sysctl_files;
	struct hvc_sysctl_line *sysctl_sets;
	size_t n_sysctl_sets;
	/* Line of hvclock's begin marker in /etc/sysctl.conf that has no end marker; 0 = none. */
	long sysctl_conf_open;
	/* An earlier apply left its record and backups in the guest (rollback can restore). */
	bool has_guest_state;
	/* From that record: the clocksource before hvclock's first switch (NULL = not switched), */
	char *guest_state_clocksource;
	/* the live "key=value" sysctls before hvclock's first change, */
	char **guest_state_sysctls;
	/* and whether hvclock changed the guest's boot loader configuration. */
	bool guest_state_bootloader;
	/* Where the log lines came from: "dmesg", "journalctl", "kern.log", "messages" or "none". */
	char *log_source;
	/* `hvclock check` only: the time sync tools' own output, "TOOL TEXT" (TOOL chronyc,
	 * ntpq or timedatectl), untrusted guest text, parsed by core/check.c. */
	char **timesync_out;
};

/* What hvclock recorded about its own earlier change to this guest (domain metadata). */
struct hvc_record {
	char *profile;
	char *time;
	bool cmdline_changed;
	bool had_cmdline; /* the host config had a cmdline before hvclock changed it */
	char *old_cmdline; /* the host cmdline before hvclock's change (NULL if none) */
	char *new_cmdline;
	/* Where to reach the guest over SSH, if recorded. */
	char *address;
	int port; /* 0 = default */
};

struct hvc_guest {
	char *backend; /* "libvirt", "libxl" */
	char *uri; /* the connection it was found through */
	char *host; /* the label of its host (cmd/common.c, hvc_fleet_open()); NULL: not set */
	char *name;
	char uuid[37];
	enum hvc_state state;
	bool persistent;
	enum hvc_hypervisor hypervisor;
	enum hvc_guest_type type;
	enum hvc_boot_path boot;
	char *boot_detail; /* e.g. "kernel /boot/vmlinuz-..." or "bootloader pygrub" */
	char *kernel; /* host path of a direct-boot kernel, NULL otherwise */
	/* The kernel cmdline the host holds for the next boot; has_cmdline false = no element/key. */
	bool has_cmdline;
	char *cmdline;
	/*
	 * The cmdline of the running instance as the host sees it (libvirt live XML); NULL =
	 * unknown, and not read where the host's line does not reach the kernel.
	 */
	char *live_cmdline;
	/* Where a host-side cmdline change is written, for people: "domain XML <os><cmdline>". */
	char *cmdline_location;
	/* A reboot from inside the guest picks up host config changes (Xen rebuilds the domain);
	 * false: only a power-cycle (destroy/shutdown + start) does, as with libvirt/QEMU. */
	bool reboot_applies;
	/* libosinfo OS id from the domain metadata (virt-install writes it), e.g.
	 * "http://centos.org/centos/6.10"; a host-side hint about the guest OS. */
	char *os_id;
	/* The guest's architecture as libvirt names it (<os><type arch>: "x86_64", "i686",
	 * "aarch64"); on xl:/// the dom0's (uname -m): Xen runs guests of its own architecture.
	 * NULL = unknown. */
	char *arch;
	char **addresses; /* "host" or "host:port", in preference order */
	struct hvc_record record;
	bool has_record;
	/* The profile hvclock applied earlier (domain metadata or the host's state file), if any:
	 * kept while no profile matches the guest as it is after the change. */
	char *recorded_profile;
	/* The host's state file says hvclock changed something inside this guest. */
	bool has_host_state;
	/* Set when the backend could not read this guest; one line naming the cause. */
	char *error;
	/* The host itself (Xen dom0), planned from the [host] sections of the guests' remedies
	 * and reached through the local transport, not over SSH. */
	bool is_host;
	struct hvc_facts facts;
};

struct hvc_guest_list {
	struct hvc_guest **guests;
	size_t n;
};

/* A zeroed guest with unknown facts (never NULL; caller frees with hvc_guest_free()). */
struct hvc_guest *hvc_guest_new(void);
/*
 * The host row of a Xen dom0 hvclock runs in (see is_host): its kernel line
 * is in the host's own boot loader, changed locally. type: pv or pvh.
 */
struct hvc_guest *hvc_guest_new_dom0(const char *backend, const char *uri, const char *name,
	const char *uuid, enum hvc_guest_type type);
/* The dom0 row of a remote host (its scripts run there over SSH): says so in boot_detail. */
void hvc_guest_dom0_over_ssh(struct hvc_guest *g);
/* Frees g and everything it owns; accepts NULL. */
void hvc_guest_free(struct hvc_guest *g);
/* Every fact unknown; hvc_facts_finish() frees what f owns and leaves it unknown. */
void hvc_facts_init(struct hvc_facts *f);
void hvc_facts_finish(struct hvc_facts *f);
/*
 * How messages name the value a GRUB-style family edits (facts->grub_cmdline), or with
 * default_ the one that follows it on the kernel line (grub_cmdline_default): grubby's
 * default kernel command line; "GRUB_CMDLINE_LINUX[_DEFAULT] in FILE" (the file whose
 * assignment wins); for grub-legacy menu.lst's "# kopt=" ("# defoptions=") line.
 */
char *hvc_boot_value_label(const struct hvc_facts *f, bool default_);
void hvc_record_finish(struct hvc_record *r);
/* Append a kernel log line of class s (text is copied). */
void hvc_facts_add_log(struct hvc_facts *f, enum hvc_symptom s, const char *text);
/* Whether any collected log line is of class s. */
bool hvc_facts_has_symptom(const struct hvc_facts *f, enum hvc_symptom s);

/* Takes ownership of g. */
void hvc_guest_list_append(struct hvc_guest_list *l, struct hvc_guest *g);
void hvc_guest_list_finish(struct hvc_guest_list *l);

/*
 * Whether Xen hands the guest's kernel its line through start_info (a PV guest, dom0
 * included): then no more than MAX_GUEST_CMDLINE bytes (hvc_linux_cmdline_max()).
 */
bool hvc_guest_is_xen_pv(const struct hvc_guest *g);

/*
 * Guess a kernel release from a host-side kernel image path
 * ("/boot/vmlinuz-2.6.32-754.el6.x86_64" -> "2.6.32-754.el6.x86_64").
 * Returns NULL if the file name carries no version.
 */
char *hvc_kernel_release_from_path(const char *path);

/* True for a UUID in its 8-4-4-4-12 hex form (either case). */
bool hvc_uuid_valid(const char *s);

/*
 * Whether the guest reached is the domain meant: the UUIDs it reports
 * (facts->uuid_dmi, uuid_xen) against the domain's. SMBIOS before 2.6 and
 * kernels that do not convert store the first three fields byte-swapped: that
 * form counts as the same UUID.
 */
enum hvc_identity {
	HVC_IDENTITY_UNCHECKED, /* not reached or not inspected */
	HVC_IDENTITY_VERIFIED, /* a reported UUID is the domain's */
	HVC_IDENTITY_MISMATCH, /* UUIDs reported, none is the domain's */
	HVC_IDENTITY_UNKNOWN, /* the guest reports no UUID */
	HVC_IDENTITY_ALLOWED, /* no UUID, and the operator allowed it (--no-verify-identity) */
	HVC_IDENTITY_LOCAL, /* the host itself (dom0), run locally */
	HVC_IDENTITY_LAST,
};
HVC_ENUM_DECL(
	hvc_identity); /* "unchecked", "verified", "mismatch", "unknown", "allowed", "local" */

/* Compare; *ret_detail (caller frees) says what was compared, for people. */
enum hvc_identity hvc_identity_check(
	const char *domain_uuid, const struct hvc_facts *f, bool allow_unknown, char **ret_detail);

/* Short human label: "xen pv", "kvm". */
const char *hvc_guest_kind(const struct hvc_guest *g, char *buf, size_t len);

/* Whether gs[0..n) are on more than one host (their host labels differ). */
bool hvc_guests_several_hosts(struct hvc_guest *const *gs, size_t n);
