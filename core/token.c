/* token.c: one character set and one length limit per token kind. */
#include <string.h>

#include "core/cmdline.h"
#include "core/token.h"

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

static const struct {
	const char *chars;
	size_t max;
} tokens[HVC_TOKEN_LAST] = {
	[HVC_TOKEN_NAME] = { LOWER DIGIT "-", HVC_TOKEN_NAME_MAX },
	[HVC_TOKEN_CLOCKSOURCE] = { LOWER DIGIT "_-", HVC_TOKEN_CLOCKSOURCE_MAX },
	[HVC_TOKEN_SYSCTL_KEY] = { LOWER DIGIT "_.", HVC_TOKEN_SYSCTL_MAX },
	[HVC_TOKEN_SYSCTL_VALUE] = { LOWER UPPER DIGIT "_.,:/+-", HVC_TOKEN_SYSCTL_MAX },
	[HVC_TOKEN_PARAM] = { NULL, HVC_TOKEN_PARAM_MAX },
	[HVC_TOKEN_USER] = { LOWER UPPER DIGIT "_.-", HVC_TOKEN_USER_MAX },
};

bool hvc_token_valid(enum hvc_token kind, const char *s)
{
	size_t n;

	if (!s || kind < 0 || kind >= HVC_TOKEN_LAST)
		return false;
	n = strlen(s);
	if (n == 0 || n > tokens[kind].max)
		return false;
	if (tokens[kind].chars && strspn(s, tokens[kind].chars) != n)
		return false;
	switch (kind) {
	case HVC_TOKEN_NAME:
		return s[0] != '-';
	case HVC_TOKEN_SYSCTL_KEY:
		return strchr(s, '.') && s[0] != '.' && s[n - 1] != '.' && !strstr(s, "..");
	case HVC_TOKEN_PARAM:
		return hvc_cmdline_param_valid(s) == 0;
	default:
		return true;
	}
}
