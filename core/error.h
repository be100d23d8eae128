/* error.h: the error object every fallible core/backend call fills in. */
#pragma once

#include "core/enum.h"
#include "core/util.h"

/*
 * One error: a negative errno-style code and one line of text that names
 * what failed and why ("guest 'web1': libvirt: domain XML has no <os> element").
 * Functions return a negative code and fill *err; callers that only need the
 * code may pass NULL. Setting an error that is already set keeps the first one
 * (the root cause), like systemd's log_error_errno() chains.
 */
struct hvc_error {
	int code;
	char msg[1024];
};

/* Sets err (if non-NULL and not already set) and returns code, which must be negative. */
int hvc_error_set(struct hvc_error *err, int code, const char *fmt, ...) _printf_(3, 4);
/* Prefix an already-set message: "guest 'x': <old message>". */
void hvc_error_prefix(struct hvc_error *err, const char *fmt, ...) _printf_(2, 3);
/* Unset err (accepts NULL); hvc_error_is_set(): whether err holds an error. */
void hvc_error_clear(struct hvc_error *err);
static inline bool hvc_error_is_set(const struct hvc_error *err)
{
	return err && err->code != 0;
}

/*
 * What kind of failure a guest or an action had, for scripts (the JSON
 * "error_kind"; docs/json-schema.md). Set where the failure happens, never
 * parsed from a message.
 */
enum hvc_error_kind {
	HVC_ERRKIND_NONE, /* no failure (JSON null) */
	HVC_ERRKIND_UNREACHABLE, /* no route, connection lost or reset */
	HVC_ERRKIND_REFUSED, /* nothing listens on the guest's SSH port */
	HVC_ERRKIND_TIMEOUT, /* connect, command or guest deadline passed */
	HVC_ERRKIND_HOST_KEY, /* unknown or changed host key */
	HVC_ERRKIND_AUTH, /* SSH authentication failed */
	HVC_ERRKIND_IDENTITY, /* the guest reached is not the domain meant, or cannot say */
	HVC_ERRKIND_NO_ADDRESS, /* no address known for the guest */
	HVC_ERRKIND_PAUSED, /* the guest is paused */
	HVC_ERRKIND_NO_ACCESS, /* no guest access at all (no SSH credentials, no transport) */
	HVC_ERRKIND_GUEST_SCRIPT, /* the guest script failed, or its report was unusable */
	HVC_ERRKIND_STALE, /* the guest changed since the plan */
	HVC_ERRKIND_BLOCKED, /* the plan blocked the change */
	HVC_ERRKIND_BACKEND, /* the hypervisor side: reading or defining the domain */
	HVC_ERRKIND_CONFIG, /* a configured or recorded value is invalid */
	HVC_ERRKIND_INTERRUPTED, /* the run was interrupted before this guest */
	HVC_ERRKIND_OTHER,
	HVC_ERRKIND_LAST,
};
HVC_ENUM_DECL(hvc_error_kind); /* "none" (JSON null), "unreachable", "refused", ... */

/*
 * The one table from an error code (negative errno, as the transports and the
 * guest report parsers return them) to its kind; a code the table does not
 * know gets fallback, the kind of the step that failed.
 */
enum hvc_error_kind hvc_error_kind_of(int code, enum hvc_error_kind fallback);
