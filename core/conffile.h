/* conffile.h: /etc/hvclock/hvclock.conf: SSH settings, parallelism and per-guest overrides. */
#pragma once

#include <stdbool.h>

#include "core/check.h"
#include "core/error.h"

/*
 * INI (core/inifile.h; the schema is the table in conffile.c):
 *   [ssh]    user, identity, port, known-hosts, agent (yes|no|true|false),
 *            connect-timeout, command-timeout, guest-deadline (seconds)
 *   [run]    parallel (1..256), parallel-per-host (1..256), restart = yes|no (default for
 *            every guest)
 *   [check]  offset-warn, offset-crit (seconds, 0.001..3600; default 0.1, 1),
 *            symptoms-warn, symptoms-crit (log lines, 0 = never; default 1, 0)
 *   [guest:NAME-OR-UUID]   address = HOST[:PORT], profile = NAME, skip = yes|no,
 *                          verify-identity = yes|no, restart = yes|no
 *   [host:NAME]  one hypervisor host: uri = URI (required), parallel = N (1..256: at most N of
 *                its guests at once), jump = yes|no|auto (reach its guests through an SSH
 *                connection to the host), ssh = [USER@]HOST[:PORT] (the host's sshd, for the
 *                jump and a remote dom0's host row; default: the URI's)
 * Unknown sections/keys and bad values are errors "PATH:LINE: ...".
 */

struct hvc_guest_config {
	char *name; /* guest name or UUID as written */
	char *address; /* "host" or "host:port", NULL = not set */
	char *profile;
	bool skip;
	bool set_skip;
	int verify_identity; /* -1 not set, else bool: no = a guest without a UUID may change */
	int restart; /* -1 not set, else bool: no = rollout --restart never restarts it */
};

/* [host:NAME] jump =: how this host's guests are reached. */
enum hvc_jump {
	HVC_JUMP_UNSET = -1,
	HVC_JUMP_NO, /* straight to the guest's address */
	HVC_JUMP_YES, /* always through the host's sshd (a direct-tcpip channel) */
	HVC_JUMP_AUTO, /* through the host when the guest's address is not reachable directly */
};

struct hvc_host_config {
	char *name; /* the NAME of [host:NAME]: a label (the HOST column, JSON "host") */
	char *uri; /* the hypervisor connection (required) */
	int parallel; /* 0 = not set */
	int jump; /* enum hvc_jump */
	char *ssh_user; /* the USER@ of ssh =; NULL = not set */
	char *ssh_address; /* the HOST[:PORT] of ssh =; NULL = not set */
};

struct hvc_config {
	char *user;
	char *identity;
	unsigned port; /* 0 = not set */
	char *known_hosts;
	int agent; /* -1 not set, else bool */
	int connect_timeout_s, command_timeout_s, guest_deadline_s; /* 0 = not set */
	int parallel; /* 0 = not set */
	int parallel_per_host; /* [run] parallel-per-host; 0 = not set */
	int restart; /* [run] restart: -1 not set, else bool */
	struct hvc_check_thresholds check; /* [check]; the defaults when not set */
	struct hvc_guest_config *guests;
	size_t n_guests;
	struct hvc_host_config *hosts; /* in file order */
	size_t n_hosts;
};

/*
 * Load path. A missing file is an error only if required. The file must pass
 * hvc_check_trusted() (owned by root or the effective user, not group/world-writable, nor
 * any directory above it): else -EPERM, "PATH: writable by group: refusing (chmod go-w)".
 * /dev/null means "no configuration"; any other non-regular file is refused.
 */
int hvc_config_load(const char *path, bool required, struct hvc_config *ret, struct hvc_error *err);
void hvc_config_finish(struct hvc_config *c);
/* Whether rollout --restart may restart this guest: its section's restart =, else [run]'s, else yes. */
bool hvc_config_restart_allowed(const struct hvc_config *c, const char *name, const char *uuid);
/* The per-guest section matching name or uuid, or NULL. */
const struct hvc_guest_config *hvc_config_guest(
	const struct hvc_config *c, const char *name, const char *uuid);

/* The [host:NAME] section named name, or NULL. */
const struct hvc_host_config *hvc_config_host(const struct hvc_config *c, const char *name);

/*
 * Split "host", "host:port", "[v6]:port" into host and port (0 if absent).
 * Host must be a plain hostname or IP literal. Returns -EINVAL otherwise.
 */
int hvc_parse_address(const char *s, char **ret_host, unsigned *ret_port);
