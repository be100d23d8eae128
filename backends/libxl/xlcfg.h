/* xlcfg.h: pure xl.cfg(5) handling: what a file boots, and its kernel command line rewritten as text. */
#pragma once

#include <stdbool.h>

#include "core/error.h"
#include "core/guest.h"

/*
 * What an xl config file says about booting, read with libxlutil the way xl's
 * parse_config_data() (tools/xl/xl_parse.c, Xen 4.17) reads it:
 *
 *  - type: `type=` by prefix ("hvm", "pv", "pvh" in that order, as xl's
 *    strncmp(buf, "hvm", strlen(buf)) does, so `type="h"` is HVM), else the
 *    deprecated `builder=` ("hvm" or "generic"), else PV (xl's x86 default).
 *  - boot: HVM with kernel= is direct kernel boot, HVM without is firmware;
 *    an HVM kernel= whose file name (libxl_basename()) is exactly "hvmloader"
 *    is dropped by xl ("Use firmware_override instead"): firmware boot.
 *    PV/PVH: bootloader= (pygrub: appends the host line to the guest's GRUB
 *    entry) wins; firmware= (only pvgrub32/pvgrub64 are allowed there) or a
 *    kernel= whose file name contains "grub" (pv-grub-x86_64.gz, pvgrub64.bin,
 *    grub-x86_64-xen.bin, grub-i386-xen_pvh.bin) is PV-GRUB / PvhGrub, whose
 *    command line goes to GRUB, not to Linux; any other kernel= is direct
 *    kernel boot; neither kernel= nor bootloader= is unknown (xl refuses it).
 *  - the kernel command line as xl's parse_cmdline() builds it: `cmdline=`
 *    wins over everything, else `root=R extra` / `root=R` / `extra`. A key
 *    whose value is a list is ignored, as xl does.
 */
struct hvc_xlcfg {
	char *name; /* name=, NULL if absent */
	char *uuid; /* uuid=, NULL if absent */
	enum hvc_guest_type type;
	enum hvc_boot_path boot;
	char *kernel; /* kernel= (a dom0 path; for PV-GRUB the GRUB image) */
	char *ramdisk;
	char *bootloader;
	char *firmware;
	bool has_cmdline;
	char *cmdline; /* effective, as above; NULL when !has_cmdline */
	/* The key a change edits: "cmdline" when `cmdline=` is set, else "extra". Static. */
	const char *cmdline_key;
	/* For people: "kernel /boot/vmlinuz-6.1", "bootloader pygrub", "PV-GRUB kernel ...". */
	char *boot_detail;
};

/*
 * Parse text (the whole file, NUL-terminated) with libxlutil. source names it
 * in messages (a path, "<userdata>"). -EINVAL "cannot parse the xl config:
 * SOURCE:LINE: config parsing error near ...: lexical error" (libxlutil's own
 * words) when libxlutil rejects it, or when type=/builder= is one xl refuses.
 */
int hvc_xlcfg_parse(
	const char *text, const char *source, struct hvc_xlcfg *ret, struct hvc_error *err);
void hvc_xlcfg_finish(struct hvc_xlcfg *c);

/* A kernel= that is a PV-GRUB / PvhGrub image rather than Linux (file name contains "grub"). */
bool hvc_xl_kernel_is_grub(const char *kernel);

/* An HVM kernel= that xl drops: its file name is exactly "hvmloader" (xl_parse.c, Xen 4.17). */
bool hvc_xl_kernel_is_hvmloader(const char *kernel);

/*
 * The boot path of a domain from its parts (shared by the file reader and the
 * glue, which gets them from libxl_retrieve_domain_configuration()).
 * firmware is PV/PVH firmware= (pvgrub32/64), NULL if none.
 */
enum hvc_boot_path hvc_xl_boot_path(
	enum hvc_guest_type type, const char *kernel, const char *bootloader, const char *firmware);

/*
 * Rewrite the kernel command line of an xl config file as text: the
 * effective command line (as xl builds it, see above) becomes new_cmdline.
 *
 *  - `cmdline=` set: its value becomes new_cmdline; root= and extra= stay.
 *  - else `extra=` becomes new_cmdline; with `root=R`, new_cmdline must begin
 *    with "root=R" (xl puts it there) and extra= gets the rest.
 *  - `extra=` absent: a line `extra = "..."` is added after the line of the
 *    last of kernel=/ramdisk=/root=/bootloader= (else name=, else at the end),
 *    laid out like that line (indent, '=' column, quote character).
 *  - new_cmdline NULL or "": the edited key's statement is removed (the whole
 *    line when it is alone on it); refused when root= would still give a line.
 *
 * Only the value of the one key changes (or the one line is added/removed):
 * every other byte, comments (also on the same line), quoting, list layout
 * stays. The new value keeps the old quote character, escaping only '\' and
 * that quote. Unchanged input comes back byte for byte (idempotent).
 *
 * Refused with -EINVAL, the file unchanged: a file libxlutil cannot parse
 * (its message), an HVM guest without kernel= or whose kernel= is hvmloader
 * (which xl drops) (libxl rejects a command line
 * there: "direct boot parameters specified but kernel missing"), PV-GRUB
 * (the line would go to GRUB, not Linux), neither kernel= nor bootloader=,
 * an edited key that is a list or built with `+=`, control characters in
 * new_cmdline. The result is re-parsed with libxlutil and checked: the new
 * effective command line, the same boot path, and every other key with the
 * same value (-EIO if not: a bug here, never written).
 * *ret_text is a new string; *ret_key (may be NULL) the key changed (static).
 */
int hvc_xlcfg_set_cmdline(const char *text, const char *source, const char *new_cmdline,
	char **ret_text, const char **ret_key, struct hvc_error *err);

/*
 * The assignment keys of a libxlutil-valid text in file order, each once
 * (the keys hvc_xlcfg_set_cmdline() compares). Tokenises like libxlutil's
 * lexer (libxlu_cfg_l.l); NULL on text it rejects.
 */
char **hvc_xlcfg_keys(const char *text);
