/* token.h: the one validator for every token hvclock passes on (profiles, hvclock.conf, guests). */
#pragma once

#include <stdbool.h>

/*
 * A token is a word that ends up in a guest request data line, a sysctl.d drop-in, a
 * known_hosts name or a file name, so each kind has one character set and one length limit,
 * and every module checks it with hvc_token_valid(); nothing else decides what is valid.
 */
enum hvc_token {
	HVC_TOKEN_NAME, /* profile name, [match:LABEL]: [a-z0-9-]+, not starting with '-' */
	HVC_TOKEN_CLOCKSOURCE, /* [a-z0-9_-]+ (the kernel's CS_NAME_LEN is 32) */
	HVC_TOKEN_SYSCTL_KEY, /* [a-z0-9_.]+ with a dot and no empty component */
	HVC_TOKEN_SYSCTL_VALUE, /* [A-Za-z0-9_.,:/+-]+: nothing a shell or sysctl.d treats specially */
	HVC_TOKEN_PARAM, /* a kernel parameter, hvc_cmdline_param_valid() */
	HVC_TOKEN_USER, /* an SSH user name: [A-Za-z0-9_.-]+ */
	HVC_TOKEN_LAST,
};

/* The longest token of kind (bytes). */
#define HVC_TOKEN_NAME_MAX 64
#define HVC_TOKEN_CLOCKSOURCE_MAX 32
#define HVC_TOKEN_SYSCTL_MAX 128
#define HVC_TOKEN_PARAM_MAX 256
#define HVC_TOKEN_USER_MAX 64

/* s (NULL is invalid) is a non-empty token of kind within its length limit. */
bool hvc_token_valid(enum hvc_token kind, const char *s);
