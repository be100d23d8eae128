/* guestscript.h: the fixed guest scripts, the requests that carry them, strict report parsers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/guest.h"
#include "core/plan.h"

/*
 * hvclock runs exactly two constant POSIX sh scripts in a guest (or, for the
 * host row, in its own dom0): templates/guest/inspect.sh (read-only) and
 * templates/guest/apply.sh (apply or rollback), embedded here at build time.
 * This module builds the requests that carry them (script text plus a quoted
 * here-document of data lines made from validated tokens only) and parses
 * their reports strictly: a report that breaks any rule is rejected whole.
 * The protocol -- request format, data lines, report lines, statuses, the
 * guest-side files, lock, deadline and test hook -- is specified in
 * docs/guest-protocol.md.
 */

/* The remote command, the report limits, the here-document terminator. */
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
/* The same; check: the `hvclock check` inspection, which adds the time sync tools' output
 * (timesync-out lines, facts.timesync_out). */
char *hvc_inspect_request_check(
	char *const *sysctl_keys, bool dom0, bool check, int deadline_s, size_t *len);

/*
 * One clock sample (`hvclock check`): the constant request (run as HVC_GUEST_COMMAND, the
 * whole of its stdin) prints "hvclock-time 1", "clock SECONDS[.FRACTION]" (the guest's
 * CLOCK_REALTIME, date +%s.%N, else whole seconds), "end". hvc_time_parse() reads it strictly
 * (rules as for inspect): the time in ns since the epoch, and whether it is whole seconds.
 */
extern const char hvc_time_request[];
extern const size_t hvc_time_request_len;
int hvc_time_parse(const char *out, size_t len, int64_t *ret_ns, bool *ret_whole_seconds,
	struct hvc_error *err);

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

/*
 * Which symptom class a kernel log line is evidence of (docs/remedies.md
 * §5a), by case-insensitive substring, most specific first; HVC_SYMPTOM_OTHER
 * if none. Never fails; reads at most HVC_GUEST_MAX_LINE bytes of line.
 */
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
char *hvc_apply_request(const struct hvc_guest_plan *gp, bool rollback, int deadline_s, size_t *len,
	struct hvc_error *err);

/*
 * Parse an apply report into the results of gp's carried actions (mode from
 * the report). Carried actions without a result line, or with an unknown
 * status, fail. If the report itself is malformed (rules as for inspect) or
 * is an "error" report, every carried action fails with that reason and the
 * error is returned; result lines for steps that were not carried are ignored.
 */
int hvc_apply_parse(const char *out, size_t len, struct hvc_guest_plan *gp, struct hvc_error *err);
