/* error.c: setting and decorating struct hvc_error. */
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
