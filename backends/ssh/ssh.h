/* ssh.h: the SSH guest transport (libssh): run hvclock's fixed scripts in a guest over SSH. */
#pragma once

#include "core/error.h"
#include "core/transport.h"

/*
 * Create the SSH transport. Every string of *opts is copied; opts may be
 * freed afterwards. The result is shared by all worker threads; each
 * connect() makes its own libssh session, used by one thread only.
 *
 * Options (struct hvc_transport_options):
 *   user         NULL = "root".
 *   identity     private key file, imported with no passphrase; an
 *                encrypted key only works through the agent. May be NULL
 *                if use_agent is set.
 *   use_agent    try the agent at $SSH_AUTH_SOCK first (if that is set).
 *   known_hosts  required. hvclock reads and writes it itself (libssh's own
 *                known_hosts files are /dev/null): ~/.ssh/known_hosts and
 *                /etc/ssh/ssh_known_hosts are never read. A relative path is made absolute now.
 *                ~/.ssh/config and /etc/ssh/ssh_config are never read. The
 *                key is looked up under the connect() key_alias (the domain
 *                UUID) or "[host]:port" ("host" on port 22), OpenSSH's rules:
 *                a line with this key is OK; else one with the same key type
 *                is a changed key; else one of another type. Key types
 *                recorded for the name are asked for first in the key
 *                exchange.
 *   accept_new   accept an unknown host key (never a changed one) for this
 *                session; pin_key() records it: one
 *                writer at a time (process mutex + flock on
 *                "<known_hosts>.lock", which stays), re-checked under the
 *                lock, written to a temporary file in the same directory,
 *                fsync'd and renamed over the old file (a symlink's target
 *                is rewritten). Missing directories are created 0700. A
 *                line for the host that libssh cannot parse is never
 *                "repaired" by adding a second key: that is -EKEYREJECTED.
 *   timeouts     <= 0 selects the transport's own default: connect 10 s,
 *                command 60 s, guest deadline 300 s (hvclock always passes
 *                its own values). The guest deadline runs from the
 *                start of connect and also bounds the connect.
 *   max_output   0 = 16 MiB.
 *
 * connect(): host is a name, an IPv4 address or an IPv6 address with or
 * without brackets. Errors, every message "host:port: cause":
 *   -ECONNREFUSED   nothing listens on the port
 *   -ETIMEDOUT      TCP/banner/key exchange/auth not done within the connect
 *                   timeout (or the guest deadline)
 *   -ECONNRESET     the guest closed the connection during the handshake
 *   -EHOSTUNREACH   name resolution or routing failed
 *   -ENOKEY         unknown host key and not accept_new (shows SHA256:...)
 *   -EKEYREJECTED   host key changed or of another type than recorded
 *                   (shows the offered SHA256:...), whatever accept_new says
 *   -EACCES         authentication refused, or the identity is encrypted and
 *                   no agent key was accepted
 *   -ENOENT         the identity file cannot be read
 *   -EINVAL         bad host name (empty, "user@host", spaces, leading '-')
 *   -EIO            anything else (libssh's own text is quoted)
 * exec(): command runs through the guest user's login shell (sh -c).
 * exit_status is -1 when the command died of a signal. stderr beyond 64 KiB
 * is read and dropped. Errors are the contract's; on any error *ret is left
 * zeroed (safe to pass to hvc_exec_result_finish()). -ETIMEDOUT says whether
 * the command timeout or the guest deadline struck. After -ECONNRESET every
 * later exec on that session fails at once with -ECONNRESET; after a
 * command timeout or -EMSGSIZE the session stays usable until its deadline
 * (the command itself may keep running in the guest: sshd honours the SSH
 * "signal" request only for privilege-separated sessions, which a root login
 * is not; hvclock's guest scripts bound themselves instead).
 *
 * Returns 0 and *ret, or -EINVAL (known_hosts missing, no identity and no
 * agent) / -EIO (libssh initialisation failed) with err set.
 */
int hvc_ssh_transport_new(const struct hvc_transport_options *opts, struct hvc_transport **ret,
	struct hvc_error *err);

/*
 * Whether to ask the agent, with OpenSSH's IdentitiesOnly semantics. explicit_identity: an
 * identity was named (-i, or identity = in hvclock.conf); then only that key is offered unless
 * the agent is asked for explicitly. agent_option: 1 --agent, 0 --no-agent, -1 neither;
 * agent_config: 1 "agent = yes", 0 "agent = no", -1 not set. The command line wins over the
 * configuration; without either, the agent is used only when no identity was named (the
 * default identity files and the agent).
 */
bool hvc_ssh_agent_wanted(bool explicit_identity, int agent_option, int agent_config);

/*
 * Jump (OpenSSH's ProxyJump): a transport whose guests are reached through one SSH session to
 * their hypervisor host, a direct-tcpip channel per guest (ssh_channel_open_forward), the
 * guest's own SSH session running over it (SSH_OPTIONS_FD, a socketpair). libssh sessions are
 * not thread-safe: the host session is made at the first connect() and then owned by one pump
 * thread, which opens the channels and moves the bytes between each channel and its socketpair.
 * At most HVC_SSH_JUMP_CHANNELS channels are open at once per host session (a further connect()
 * waits for one to close, within its connect timeout); direct-tcpip channels are not sessions,
 * so sshd's MaxSessions does not count them, and one TCP connection passes MaxStartups once.
 *
 * The host's key is checked under its own known_hosts name ("[host]:port", "host" on port
 * 22), the guest's under its alias as for direct guests; --accept-new records a new host key
 * at once (no identity to verify for a host). A host session that fails (key changed,
 * refused, lost) fails every guest behind it for the rest of the run: "via host LABEL: ...".
 *
 * only_if_unreachable (jump = auto): connect() first tries a TCP connection to the guest's
 * address from here, bounded by min(2 s, the connect timeout); it goes through the host only
 * when that fails with ENETUNREACH, EHOSTUNREACH, ENETDOWN or EADDRNOTAVAIL, or gets no answer
 * in time; connected or refused means "reachable", and the guest is connected to directly.
 * A session through the host has via = label.
 */
#define HVC_SSH_JUMP_CHANNELS 8
struct hvc_ssh_jump {
	const char *label; /* the host's name ([host:NAME]), in messages and the reach */
	const char *host; /* the host's sshd: name or address */
	unsigned port; /* 0 = 22 */
	const char *user; /* NULL = the transport's user */
	bool only_if_unreachable; /* jump = auto */
};

/* A jump transport with direct's options (direct is not kept). */
int hvc_ssh_jump_transport_new(const struct hvc_transport *direct, const struct hvc_ssh_jump *j,
	struct hvc_transport **ret, struct hvc_error *err);

/*
 * A remote dom0's host row: a transport whose connect(NULL host) reaches the host at
 * where->host:port as where->user (where->only_if_unreachable is ignored), its key checked
 * under its own known_hosts name ("[host]:port") and, with accept_new, recorded at once;
 * named hosts are connected to as by direct.
 */
int hvc_ssh_host_transport_new(const struct hvc_transport *direct, const struct hvc_ssh_jump *where,
	struct hvc_transport **ret, struct hvc_error *err);

/* The implementation table (its name is "ssh"); a transport is SSH iff its impl points here. */
extern const struct hvc_transport_impl hvc_ssh_transport_impl;
