/* local.h: the local transport: run hvclock's fixed scripts on this host (Xen dom0 itself). */
#pragma once

#include "core/error.h"
#include "core/transport.h"

/*
 * Create the local transport: the same contract as the SSH transport, but the
 * command runs on the machine hvclock runs on, as hvclock's own user (root).
 * *opts is copied; opts may be freed afterwards. The result is shared by all
 * worker threads; sessions are per thread, and several threads may exec at
 * once.
 *
 * Options (struct hvc_transport_options): only the timeouts and max_output
 * count; user, identity, use_agent, known_hosts and accept_new are ignored
 * (there is nobody to authenticate to). connect_timeout_ms is unused:
 * connect does nothing that can wait. <= 0 selects the defaults of the SSH
 * transport: command 60 s, guest deadline 300 s; max_output 0 = 16 MiB.
 *
 * Test hook: if $HVCLOCK_LOCAL_ROOT is set and non-empty when the transport
 * is created (it is read once, here), every command runs chroot()ed into
 * that directory, so tests run the scripts in a throw-away tree instead of on
 * the real host. It must be an absolute path (else -EINVAL); chroot needs
 * root, so without it every exec fails with -EIO. hvclock itself never sets it.
 *
 * connect(): host and port are ignored (hvclock passes NULL and 0; anything
 * is accepted). The session remembers its deadline, connect + guest deadline.
 *
 * exec(): fork + execve of "/bin/sh -c COMMAND" (never system() or popen()):
 *   - the child is the leader of a new process group; stdin, stdout and
 *     stderr are pipes, every other descriptor is closed; every signal
 *     disposition is reset to the default (an ignored SIGPIPE would otherwise
 *     survive exec) and the signal mask is cleared;
 *   - the working directory is "/" and the environment is fixed:
 *     PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,
 *     LC_ALL=C, HOME=/root (nothing of hvclock's environment leaks through,
 *     such as SSH_AUTH_SOCK);
 *   - stdin_data is written to its stdin, then EOF; stdout and stderr are
 *     read at the same time. The command is over when the shell has exited
 *     and its stdout and stderr are at EOF, or 200 ms after the shell exited
 *     if something it left behind still holds them open. Whatever the shell
 *     left running in its process group is then killed (SIGKILL): nothing the
 *     script starts outlives the exec unless it left the group itself.
 *   - exit_status is the shell's exit code, -1 if it died of a signal (the
 *     exec still succeeds). stderr beyond 64 KiB is read and dropped.
 * Errors (every message "local: ...", one line); on any error *ret is left
 * zeroed (safe to pass to hvc_exec_result_finish()) and the whole process
 * group has been killed with SIGKILL and the shell reaped:
 *   -ETIMEDOUT   the command timeout or the session's guest deadline (the
 *                message says which) struck first
 *   -EMSGSIZE    stdout grew over max_output
 *   -EIO         pipes, fork, or starting /bin/sh (chroot, exec) failed
 *   -EINVAL      empty command, or stdin_len without stdin_data
 * Writing to a command that stopped reading its stdin never raises SIGPIPE
 * in the caller (it is blocked in the calling thread during exec), though
 * hvclock ignores SIGPIPE anyway.
 *
 * Returns 0 and *ret, or -EINVAL ($HVCLOCK_LOCAL_ROOT is not absolute) with err set.
 */
int hvc_local_transport_new(const struct hvc_transport_options *opts, struct hvc_transport **ret,
	struct hvc_error *err);

/* The implementation table (its name is "local"); a transport is local iff its impl points here. */
extern const struct hvc_transport_impl hvc_local_transport_impl;
