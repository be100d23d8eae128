/* error.c: setting and decorating struct hvc_error. */
#include <errno.h>
#include <stdio.h>

#include "core/error.h"

int hvc_error_set(struct hvc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code != 0)
		return code;
	err->code = code < 0 ? code : -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* Keep the message on one line whatever the cause said. */
	for (char *p = err->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return code;
}

void hvc_error_prefix(struct hvc_error *err, const char *fmt, ...)
{
	_cleanup_free_ char *prefix = NULL, *joined = NULL;
	va_list ap;

	if (!err || err->code == 0)
		return;
	va_start(ap, fmt);
	prefix = xvasprintf(fmt, ap);
	va_end(ap);
	joined = xasprintf("%s: %s", prefix, err->msg);
	/* Truncation of an over-long message is acceptable; it stays one line. */
	strncpy(err->msg, joined, sizeof(err->msg) - 1);
	err->msg[sizeof(err->msg) - 1] = '\0';
}

void hvc_error_clear(struct hvc_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}

HVC_ENUM_IMPL(hvc_error_kind, HVC_ERRKIND_LAST, "none", "unreachable", "refused", "timeout",
	"host-key", "auth", "identity", "no-address", "paused", "no-access", "guest-script",
	"stale", "blocked", "backend", "config", "interrupted", "other")

enum hvc_error_kind hvc_error_kind_of(int code, enum hvc_error_kind fallback)
{
	static const struct {
		int code;
		enum hvc_error_kind kind;
	} table[] = {
		{ ECONNREFUSED, HVC_ERRKIND_REFUSED },
		{ ETIMEDOUT, HVC_ERRKIND_TIMEOUT },
		{ EHOSTUNREACH, HVC_ERRKIND_UNREACHABLE },
		{ ENETUNREACH, HVC_ERRKIND_UNREACHABLE },
		{ ECONNRESET, HVC_ERRKIND_UNREACHABLE },
		{ EPIPE, HVC_ERRKIND_UNREACHABLE },
		{ EKEYREJECTED, HVC_ERRKIND_HOST_KEY }, /* changed or unusable known_hosts entry */
		{ ENOKEY, HVC_ERRKIND_HOST_KEY }, /* unknown host key, no --accept-new */
		{ EACCES, HVC_ERRKIND_AUTH },
		{ EPERM, HVC_ERRKIND_IDENTITY },
		{ EPROTO, HVC_ERRKIND_GUEST_SCRIPT }, /* the guest's report is malformed */
		{ EBADMSG, HVC_ERRKIND_GUEST_SCRIPT },
		{ EMSGSIZE, HVC_ERRKIND_GUEST_SCRIPT },
		{ EPROTONOSUPPORT, HVC_ERRKIND_GUEST_SCRIPT },
	};

	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (code == -table[i].code)
			return table[i].kind;
	return fallback;
}
