/* guestscript.h: the fixed guest scripts, the requests that carry them, strict report parsers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/guest.h"
#include "core/plan.h"

/*
 * hvclock runs exactly two constant POSIX sh scripts in a guest,
 * templates/guest/inspect.sh and templates/guest/apply.sh, embedded here at
 * build time. The remote command is always HVC_GUEST_COMMAND; the request
 * written to its stdin is
 *
 *     <the script text>
 *     hvc_main <<'HVCLOCK_DATA_END'
 *     <data lines>
 *     HVCLOCK_DATA_END
 *
 * The here-document is quoted, so the shell expands nothing in it. Every data
 * line is "WORD" or "WORD ARGS" built here from validated tokens only (no
 * guest- or config-supplied free text), so no data line can be the
 * terminator; the scripts validate every token again and refuse the whole
 * block ("error" line) if one is wrong.
 *
 * Reports: lines of printable ASCII (0x20-0x7e) ending in '\n', each at most
 * HVC_GUEST_MAX_LINE bytes, at most HVC_GUEST_MAX_OUTPUT bytes in all. The
 * first line names the protocol and its version, the last is "end"; nothing
 * may follow it. A line is "KEY" or "KEY VALUE" (one space after KEY; VALUE
 * is the rest of the line and may be empty). The scripts replace every byte
 * outside printable ASCII by '?' and cut long values, so a report that breaks
 * any rule did not come from them and is rejected whole.
 *
 * Both scripts take two more data lines: "dom0" (the host row, run locally:
 * the scripts keep their record in /var/lib/hvclock/dom0, never in the
 * host's own state directory /var/lib/hvclock) and "deadline SECONDS"
 * (1..86400, from hvc_guest_deadline_s()): a watchdog ends the script's whole
 * process group once it has passed, so a run hvclock gave up on, or whose
 * connection is gone, does not live on in the guest.
 *
 * INSPECT (inspect.sh, read-only). Data lines: "sysctl KEY", one per key to
 * report on (KEY: [a-z0-9_.]+ with a dot, no empty component). Report, in
 * this order, lines marked * always present, ? at most once, + repeated:
 *
 *   * hvclock-inspect 1
 *   * kernel-release RELEASE               uname -r (else /proc/sys/kernel/osrelease)
 *   ? os-release PRETTY                    PRETTY_NAME of /etc/os-release (else the
 *                                          first line of /etc/redhat-release, ...)
 *   ? uuid-dmi UUID                        /sys/class/dmi/id/product_uuid, lower case
 *   ? uuid-xen UUID                        /sys/hypervisor/uuid, lower case (both only
 *                                          when well-formed: hvc_identity_check())
 *   ? clocksource-current NAME             .../clocksource0/current_clocksource
 *   ? clocksource-available NAME...        .../clocksource0/available_clocksource
 *   ? cmdline TEXT                         /proc/cmdline
 *   * independent-wallclock absent | present VALUE   /proc/sys/xen/independent_wallclock
 *   ? cpu-flags [FLAG...]                  which of constant_tsc nonstop_tsc tsc_reliable the
 *                                          first "flags" line of /proc/cpuinfo has
 *                                          (line absent: no flags line, unknown)
 *   * timesync chronyd|ntpd|systemd-timesyncd|none active|inactive
 *                                          the first running of the three (by process
 *                                          name in /proc), else the first installed
 *   * bootloader grubby|update-grub|grub2-mkconfig|none
 *                                          grubby if present; else /etc/default/grub with
 *                                          update-grub, else with grub2-mkconfig
 *   ? bootloader-args TEXT                 `grubby --info=DEFAULT` args, or the value of the
 *                                          last GRUB_CMDLINE_LINUX= in /etc/default/grub
 *   ? bootloader-default-args TEXT         update-grub/grub2-mkconfig: the value of the last
 *                                          GRUB_CMDLINE_LINUX_DEFAULT= (absent: none)
 *   ? uptime SECONDS                       /proc/uptime, whole seconds
 *   + sysctl KEY VALUE                     a requested key that exists; VALUE with runs of
 *                                          blanks made single spaces (may be empty)
 *   + sysctl-absent KEY                    a requested key that does not exist
 *   ? dropin-begin, + dropin [LINE], dropin-end
 *                                          /etc/sysctl.d/90-hvclock.conf, if it exists
 *                                          (at most 200 lines)
 *   * state absent | present               /var/lib/hvclock/state, written by apply.sh
 *   ? state-clocksource [NAME]             the clocksource before hvclock's first switch
 *   + state-sysctl KEY [VALUE]             a live value before hvclock's first change
 *   ? state-bootloader KIND                hvclock changed the boot loader (with KIND)
 *   * log-source dmesg|journalctl|kern.log|messages|none
 *                                          dmesg; if it prints nothing `journalctl -k`;
 *                                          then /var/log/kern.log, /var/log/messages
 *   + log TEXT                             the last 200 kernel log lines matching the
 *                                          shared/domain.md §5a list, each cut to 1000 bytes
 *   * end
 *
 * Instead of everything between the first line and "end", a report may hold
 * one "error TEXT" line: the script refused the data block.
 *
 * APPLY (apply.sh). Data lines (directives), any order:
 *
 *   mode apply | mode rollback             exactly one
 *   bootloader                             run the boot loader step with (apply; computed on
 *                                          the host by hvc_boot_edit_compute(), each TEXT
 *                                          checked by hvc_cmdline_text_check(), "WORD" alone
 *                                          for an empty TEXT):
 *   boot-old TEXT, boot-new TEXT           exactly one each: the value the inspection
 *                                          reported (GRUB_CMDLINE_LINUX, or grubby's default
 *                                          args) and the value to write
 *   boot-default-old TEXT,                 /etc/default/grub with a GRUB_CMDLINE_LINUX_DEFAULT
 *   boot-default-new TEXT                  (else none must exist): its value and new value
 *   boot-grubby-remove ARG,                grubby: the --remove-args and --args lists (one
 *   boot-grubby-add ARG                    argument each, no blank) that turn old into new
 *   sysctl KEY VALUE                       a drop-in key (VALUE: [A-Za-z0-9_.,:/+-]+)
 *   clocksource [NAME...]                  live switch candidates in order ([a-z0-9_-]+)
 *   timesync                               check that a time sync daemon runs
 *   dom0                                   this is the host's dom0 (local transport): the
 *                                          kernel line to verify in grub.cfg is the dom0
 *                                          kernel's module line of a Xen entry
 *
 * apply: bootloader: the guest computes nothing. If the boot loader no longer
 *   holds boot-old (or GRUB_CMDLINE_LINUX_DEFAULT boot-default-old, or its
 *   presence changed), the result is "stale" and nothing is changed; if new
 *   equals old, "in-place". grubby: every file grubby may rewrite is backed up,
 *   grubby --update-kernel=ALL --remove-args/--args runs with the lists sent,
 *   and the default entry's args must read back equal to boot-new. Else the
 *   value of the last GRUB_CMDLINE_LINUX= (and _DEFAULT=) assignment in
 *   /etc/default/grub is replaced as text (quoting style and every other byte
 *   kept; quoting or expansions inside it are refused), read back, then
 *   update-grub or grub2-mkconfig -o <the existing grub.cfg> runs and
 *   grub.cfg's first kernel line (`linux`, or for dom0 the `module`/`module2`
 *   line of the first Xen entry's vmlinu*) must end with the words of boot-new
 *   and boot-default-new, else something overrides GRUB_CMDLINE_LINUX
 *   (/etc/default/grub.d/, GRUB_CMDLINE_LINUX_XEN_REPLACE) and the file is put
 *   back and grub.cfg regenerated; a failing tool puts the file back. sysctl: one drop-in
 *   /etc/sysctl.d/90-hvclock.conf with the keys that exist, written to a
 *   temporary file and renamed, loaded with sysctl -p, every live value read
 *   back. clocksource: the first candidate listed in available_clocksource is
 *   written to current_clocksource and read back. Before its first change,
 *   every file is copied to /var/lib/hvclock/backup/PATH (the first original
 *   is kept: a second apply never overwrites it) and the original clocksource,
 *   sysctl values and whether files existed go to /var/lib/hvclock/state.
 *   Nothing is written when nothing needs to change.
 * rollback: every file recorded is put back byte for byte (files that did not
 *   exist are removed; a boot loader entry removed since stays removed), the
 *   grub.cfg is regenerated by the recorded tool, the original sysctl values
 *   and clocksource are written back, and what apply.sh made in its directory
 *   is removed: the backups the record names, their directories, the record,
 *   then the directory if empty (all kept if something could not be
 *   restored). Directives name the steps to report on.
 * Both modes first take the guest-side lock (flock(1) on
 *   /run/hvclock-guest.lock, or a directory made with the run's PID in it,
 *   taken over once that PID is gone; dom0: hvclock-dom0.lock); a held lock is
 *   an "error" report naming the run that holds it.
 *
 * Report:
 *
 *   * hvclock-apply 1
 *   * mode apply|rollback
 *   + result bootloader STATUS [DETAIL]
 *   + result sysctl KEY STATUS [DETAIL]
 *   + result clocksource STATUS [DETAIL]
 *   + result timesync STATUS [DETAIL]
 *   + result restore STATUS [DETAIL]       rollback only, always: the whole restore
 *   * end
 *
 * STATUS: applied (changed now), in-place (nothing to do), deferred (written,
 * takes effect at the next boot; for clocksource: the kernel kept the old
 * one), skipped, failed (DETAIL says why), stale (bootloader only: the value
 * changed since the plan; nothing done). "error TEXT" may replace the body
 * as for inspect.
 */

#define HVC_GUEST_COMMAND "/bin/sh -s"
#define HVC_GUEST_MAX_OUTPUT (1024 * 1024)
#define HVC_GUEST_MAX_LINE 4096
#define HVC_GUEST_MAX_LOG 200
#define HVC_GUEST_DATA_END "HVCLOCK_DATA_END"

/* The scripts as shipped in templates/guest/ (generated at build time by embed.py). */
extern const char hvc_script_inspect[];
extern const size_t hvc_script_inspect_len;
extern const char hvc_script_apply[];
extern const size_t hvc_script_apply_len;

/*
 * The inspect request for the given sysctl keys (NULL = none), for dom0 (the
 * host row) or a guest, with the script's own deadline in seconds (0: none;
 * see hvc_guest_deadline_s()). Returns NULL if a key is not a valid sysctl key
 * or there are more than 256; else the request (NUL-terminated, caller frees)
 * and its length in *len.
 */
char *hvc_inspect_request(char *const *sysctl_keys, bool dom0, int deadline_s, size_t *len);

/*
 * The deadline a guest script gets for itself: a little longer than hvclock
 * waits for it (command_timeout_ms), so hvclock's own timeout strikes first
 * and the script's ends it where hvclock can no longer (a lost connection).
 */
static inline int hvc_guest_deadline_s(int command_timeout_ms)
{
	return command_timeout_ms > 0 ? (command_timeout_ms + 999) / 1000 + 2 : 0;
}

/*
 * Parse an inspect report. On success replaces *facts with what the guest
 * reported (inspected = true, kernel_release_source "guest") and returns 0;
 * otherwise leaves *facts alone and returns -EMSGSIZE (too large, line too
 * long, too many log lines), -EBADMSG (bytes outside printable ASCII, no
 * final newline), -EPROTONOSUPPORT (another protocol version) or -EPROTO
 * (anything else: unknown or repeated keys, missing lines, bad values,
 * truncated), with err naming the line.
 */
int hvc_inspect_parse(const char *out, size_t len, struct hvc_facts *facts, struct hvc_error *err);

/* Which symptom class a kernel log line is evidence of (HVC_SYMPTOM_OTHER if none). */
enum hvc_symptom hvc_symptom_classify(const char *line);

/*
 * Whether the apply request for gp carries action i. Apply: guest-side
 * actions that are pending (every non-blocked sysctl action once one is
 * pending, since the drop-in holds them all); never the guest-restore.
 * Rollback: every guest-side action.
 */
bool hvc_apply_carries(const struct hvc_guest_plan *gp, size_t i, bool rollback);

/*
 * The apply (or rollback) request for gp's carried actions; validates every
 * token again. Returns NULL with err set (-EINVAL) if one is invalid or an
 * apply has nothing to carry; else the request (caller frees) and *len.
 */
char *hvc_apply_request(const struct hvc_guest_plan *gp, bool rollback, int deadline_s,
	size_t *len, struct hvc_error *err);

/*
 * Parse an apply report into the results of gp's carried actions (mode from
 * the report). Carried actions without a result line, or with an unknown
 * status, fail. If the report itself is malformed (rules as for inspect) or
 * is an "error" report, every carried action fails with that reason and the
 * error is returned; result lines for steps that were not carried are ignored.
 */
int hvc_apply_parse(const char *out, size_t len, struct hvc_guest_plan *gp, struct hvc_error *err);
