/* transport.h: how hvclock runs its fixed guest-side scripts inside a guest (SSH, later others). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/*
 * A transport connects to one guest at a time per session. Sessions are
 * owned by exactly one worker thread (libssh sessions must never be shared
 * between threads); the transport object itself is shared and thread-safe.
 *
 * Every operation is bounded in time: connect by connect_timeout_ms, each
 * exec by command_timeout_ms, and everything done for one guest by the
 * session's deadline (set at connect). A frozen guest can never hang the run.
 */

struct hvc_transport;
struct hvc_transport_impl;

/*
 * One connection to one guest, opaque to callers. Each transport embeds it as
 * the first member of its own session state (as backends embed struct
 * hvc_backend) and down-casts after checking impl; connect() fills it in.
 */
struct hvc_session {
	const struct hvc_transport_impl *impl; /* the transport's, for its down-cast check */
	struct hvc_transport *transport; /* the transport it was made by (borrowed) */
	const char *via; /* the label of the host it runs through (a jump), else NULL */
};

struct hvc_transport_options {
	const char *user; /* default "root" */
	const char *identity; /* private key file; NULL = ssh-agent only */
	bool use_agent; /* try $SSH_AUTH_SOCK's agent (before the identity) */
	const char *known_hosts; /* hvclock's own file; never ~/.ssh/known_hosts implicitly */
	bool accept_new; /* record unknown host keys (never changed ones) */
	int connect_timeout_ms; /* TCP connect + SSH banner + key exchange + auth */
	int command_timeout_ms; /* one exec, from open to exit status */
	int guest_deadline_ms; /* everything for one guest, from connect on */
	size_t max_output; /* stdout cap per exec (bytes); more is an error */
};

struct hvc_exec_result {
	int exit_status; /* -1 if the guest sent none (signal, dropped connection) */
	char *out; /* NUL-terminated; may contain NUL bytes before out_len */
	size_t out_len;
	char *err; /* first 64 KiB of stderr, NUL-terminated */
	size_t err_len;
};
void hvc_exec_result_finish(struct hvc_exec_result *r);

struct hvc_transport_impl {
	const char *name;
	/*
	 * Connect and authenticate; verify the host key against
	 * options.known_hosts: unknown keys are refused unless accept_new (then
	 * recorded atomically, one writer at a time), a changed key is always
	 * refused and the error shows the offered key's SHA256 fingerprint.
	 * port 0 = 22. key_alias (may be NULL: "[host]:port") is the name the
	 * key is recorded and looked up under (OpenSSH's HostKeyAlias): hvclock
	 * passes the domain's UUID, so a key is pinned to a guest, not to an
	 * address. With accept_new an unknown key is accepted for this session
	 * but recorded only by pin_key(). ret_session is owned by the caller.
	 */
	int (*connect)(struct hvc_transport *t, const char *host, unsigned port,
		const char *key_alias, struct hvc_session **ret_session, struct hvc_error *err);
	/*
	 * Run command (a constant string chosen by hvclock: never built from
	 * guest- or config-supplied text) with stdin_data written to its stdin
	 * then EOF. Fills ret (caller finishes it) unless an error is returned.
	 * Errors: -ETIMEDOUT (command timeout or guest deadline), -EMSGSIZE
	 * (stdout over max_output), -ECONNRESET (connection lost), -EIO.
	 */
	int (*exec)(struct hvc_session *s, const char *command, const char *stdin_data,
		size_t stdin_len, struct hvc_exec_result *ret, struct hvc_error *err);
	/* Accepts NULL. */
	void (*disconnect)(struct hvc_session *s);
	/*
	 * Optional (NULL: nothing to record). Record the host key that connect()
	 * accepted as new (accept_new), once the caller has verified that the
	 * peer is the guest it meant; a no-op for a key already known.
	 */
	int (*pin_key)(struct hvc_session *s, struct hvc_error *err);
	void (*destroy)(struct hvc_transport *t);
};

struct hvc_transport {
	const struct hvc_transport_impl *impl;
	struct hvc_transport_options options; /* strings owned by the transport */
};

static inline int hvc_transport_connect(struct hvc_transport *t, const char *host, unsigned port,
	struct hvc_session **ret, struct hvc_error *err)
{
	return t->impl->connect(t, host, port, NULL, ret, err);
}

/* Connect to a guest whose host key is recorded under key_alias (its domain UUID). */
static inline int hvc_transport_connect_as(struct hvc_transport *t, const char *host, unsigned port,
	const char *key_alias, struct hvc_session **ret, struct hvc_error *err)
{
	return t->impl->connect(t, host, port, key_alias, ret, err);
}

static inline int hvc_session_pin_key(
	struct hvc_transport *t, struct hvc_session *s, struct hvc_error *err)
{
	return t->impl->pin_key ? t->impl->pin_key(s, err) : 0;
}

static inline int hvc_session_exec(struct hvc_transport *t, struct hvc_session *s,
	const char *command, const char *stdin_data, size_t stdin_len, struct hvc_exec_result *ret,
	struct hvc_error *err)
{
	return t->impl->exec(s, command, stdin_data, stdin_len, ret, err);
}

static inline void hvc_session_disconnect(struct hvc_transport *t, struct hvc_session *s)
{
	t->impl->disconnect(s);
}

static inline void hvc_transport_destroy(struct hvc_transport *t)
{
	if (t)
		t->impl->destroy(t);
}
