/* error.h: the error object every fallible core/backend call fills in. */
#pragma once

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
