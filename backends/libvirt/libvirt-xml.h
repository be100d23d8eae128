/* libvirt-xml.h: pure conversion between libvirt domain XML and hvclock's guest model. */
#pragma once

#include "core/error.h"
#include "core/guest.h"

/* hvclock's own record lives under /domain/metadata as <hvclock:state xmlns:hvclock="...">. */
#define HVC_LIBVIRT_XML_NS "http://hvclock.org/xmlns/state/1"
#define HVC_LIBVIRT_XML_NS_PREFIX "hvclock"
/* virt-install's OS hint: <libosinfo:libosinfo><libosinfo:os id="..."/></libosinfo:libosinfo>. */
#define HVC_LIBOSINFO_XML_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"

/*
 * Parse a domain XML (inactive or live) into the host-side config fields of g:
 * name, uuid, hypervisor, type, boot, boot_detail, kernel, has_cmdline/cmdline,
 * cmdline_location, reboot_applies, os_id, record/has_record. Fields libvirt
 * reports through other calls (backend, uri, state, persistent, live_cmdline)
 * are left alone. An empty <cmdline/> counts as none (libvirt drops it too).
 * On failure g may hold the fields read before the error (name, uuid first).
 * Errors: -EINVAL "cannot parse domain XML: ...", "domain XML has no <os> element".
 */
int hvc_libvirt_xml_parse(const char *xml, struct hvc_guest *g, struct hvc_error *err);

/*
 * The kernel cmdline of a domain XML: *ret_cmdline is a new string, or NULL
 * when there is no (or an empty) /domain/os/cmdline.
 */
int hvc_libvirt_xml_get_cmdline(const char *xml, char **ret_cmdline, struct hvc_error *err);

/*
 * From an inactive domain XML, compute the XML to define: /domain/os/cmdline
 * set to new_cmdline (created right after <initrd> or <kernel> if absent;
 * removed when new_cmdline is NULL or ""), and hvclock's record replaced by rec
 * (removed when rec is NULL), with /domain/metadata created if needed.
 * Everything else in the document is kept as it was.
 *
 * Returns -ESTALE "kernel command line changed since it was read" when the
 * current cmdline is not expect_old (NULL or "" = no cmdline), and -EINVAL
 * without changing anything when a cmdline would be set on a guest that has no
 * <kernel> (a disk-booted guest: QEMU refuses -append without -kernel, libxl
 * refuses an HVM cmdline without kernel); a Xen PV/PVH <bootloader> guest
 * (pygrub, which appends the host cmdline to the guest's GRUB entry) is
 * allowed, and so is a Xen PV guest with neither <kernel> nor <bootloader>
 * (libvirt's libxl driver runs pygrub for it). An empty <kernel/> is none.
 * *ret_xml is a new string on success.
 */
int hvc_libvirt_xml_set_cmdline(const char *xml, const char *expect_old, const char *new_cmdline,
	const struct hvc_record *rec, char **ret_xml, struct hvc_error *err);

/*
 * Check that a domain XML read back after a define carries cmdline (NULL or "" =
 * none) and rec (NULL = no record). -EIO with what differs otherwise.
 */
int hvc_libvirt_xml_check_written(
	const char *xml, const char *cmdline, const struct hvc_record *rec, struct hvc_error *err);
