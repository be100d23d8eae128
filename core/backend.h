/* backend.h: what a hypervisor backend provides (libvirt, libxl). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/address.h"
#include "core/enum.h"
#include "core/error.h"
#include "core/guest.h"

struct hvc_backend;

/* What the power op does to a running (or, for start, shut-off) guest. */
enum hvc_power {
	HVC_POWER_SHUTDOWN, /* ask the guest to shut down (ACPI power button, Xen's request): at once */
	HVC_POWER_START, /* start a shut-off persistent guest */
	HVC_POWER_REBOOT, /* ask the guest to reboot (Xen builds the domain again) */
	HVC_POWER_OFF, /* hard power-off (libvirt destroy, libxl destroy) */
	HVC_POWER_LAST,
};
HVC_ENUM_DECL(hvc_power); /* "shutdown", "start", "reboot", "power-off" */

/*
 * A backend is a small table of operations (wlroots' backend_impl shape).
 * Each backend embeds struct hvc_backend as the first member of its own state
 * and down-casts after checking impl. Callers use the hvc_backend_* wrappers.
 */
struct hvc_backend_impl {
	const char *name;

	/* Required. */
	int (*open)(
		const char *uri, bool read_only, struct hvc_backend **ret, struct hvc_error *err);
	void (*destroy)(struct hvc_backend *b);
	/* Append the guests to out: active ones only unless include_inactive. */
	int (*list_guests)(struct hvc_backend *b, bool include_inactive, struct hvc_guest_list *out,
		struct hvc_error *err);

	/*
	 * Optional (NULL: -EOPNOTSUPP). Replace the host-held kernel cmdline of
	 * guest g, which must still be expect_old (NULL = no cmdline), with
	 * new_cmdline (NULL = remove it), and store rec as hvclock's record in
	 * the same write. The backend validates the result, writes it
	 * atomically and reads it back. Returns -ESTALE if the config changed
	 * since it was listed.
	 */
	int (*set_boot_cmdline)(struct hvc_backend *b, const struct hvc_guest *g,
		const char *expect_old, const char *new_cmdline, const struct hvc_record *rec,
		struct hvc_error *err);

	/*
	 * Optional. Addresses of a running guest as the hypervisor sees them,
	 * best first: libvirt's DHCP lease, then ARP, then (read-write
	 * connections only) the guest agent, which is the guest talking. Each
	 * is checked with hvc_address_refusal(); the next source is asked only
	 * while no address is usable. Refused ones are returned too, with the
	 * reason. An empty list is not an error.
	 */
	int (*guest_addresses)(struct hvc_backend *b, const struct hvc_guest *g,
		struct hvc_guest_address **ret, unsigned *ret_n, struct hvc_error *err);

	/*
	 * Optional. The host hvclock runs on, as a guest-like object with
	 * is_host set, when the remedies have a part there and hvclock can
	 * change it locally (Xen dom0: its own kernel line and sysctls). NULL
	 * op, or *ret NULL: no host row for this connection.
	 */
	int (*host)(struct hvc_backend *b, struct hvc_guest **ret, struct hvc_error *err);

	/*
	 * Optional (NULL: no restarts). Do what to guest g (looked up again by
	 * UUID or name); every request returns without waiting for the guest.
	 * power_ops says which requests the backend can make (1 << HVC_POWER_*).
	 */
	int (*power)(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_power what,
		struct hvc_error *err);
	unsigned power_ops;
	/* Optional (with power). The guest's state now; a domain that is gone is shut off. */
	int (*guest_state)(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_state *ret,
		struct hvc_error *err);
	/*
	 * A domain may come back from a restart with a new UUID (xl gives one whose config has
	 * no uuid= a new one at each start): rollout --restart then reads it again by name.
	 */
	bool uuid_per_start;
	/*
	 * Optional (NULL: always alive). Whether the connection still answers, asked before
	 * each guest (libvirt: virConnectIsAlive()); false: the host's connection was lost.
	 */
	bool (*alive)(struct hvc_backend *b);
};

struct hvc_backend {
	const struct hvc_backend_impl *impl;
	char *uri;
	bool read_only;
};

/* Opening one by its URI: hvc_backend_open() in backends/registry.h, where it is defined. */
/* Accepts NULL. */
void hvc_backend_destroy(struct hvc_backend *b);
/* The list_guests op: appends guests (owned by out) to out; negative errno with err set. */
int hvc_backend_list_guests(struct hvc_backend *b, bool include_inactive,
	struct hvc_guest_list *out, struct hvc_error *err);
/*
 * The set_boot_cmdline op (contract above); -EOPNOTSUPP if the backend has
 * none, -EROFS on a read-only connection. Borrows every argument.
 */
int hvc_backend_set_boot_cmdline(struct hvc_backend *b, const struct hvc_guest *g,
	const char *expect_old, const char *new_cmdline, const struct hvc_record *rec,
	struct hvc_error *err);

/* The alive op; true without one, and for b NULL. */
bool hvc_backend_alive(struct hvc_backend *b);
/* NULL op: no host (returns 0 with *ret = NULL). */
int hvc_backend_host(struct hvc_backend *b, struct hvc_guest **ret, struct hvc_error *err);

/* NULL op: no addresses (returns 0 with *ret = NULL, *ret_n = 0). */
int hvc_backend_guest_addresses(struct hvc_backend *b, const struct hvc_guest *g,
	struct hvc_guest_address **ret, unsigned *ret_n, struct hvc_error *err);

/*
 * The power op: -EOPNOTSUPP (one line naming the backend) if it cannot make
 * that request, -EROFS on a read-only connection.
 */
int hvc_backend_power(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_power what,
	struct hvc_error *err);
/* Whether hvc_backend_power(b, ..., what) can work at all (op present, request offered). */
bool hvc_backend_can_power(const struct hvc_backend *b, enum hvc_power what);
/* The guest_state op; -EOPNOTSUPP without it. */
int hvc_backend_guest_state(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_state *ret,
	struct hvc_error *err);
/*
 * Ask the backend for g's state until it is want, every poll_ms, for at most
 * timeout_ms: 0 once it is, -ETIMEDOUT (err says the state it stayed in) when
 * it never was, or the op's error.
 */
int hvc_backend_wait_state(struct hvc_backend *b, const struct hvc_guest *g, enum hvc_state want,
	int64_t timeout_ms, int64_t poll_ms, struct hvc_error *err);

/* For backends: fill the base part (copies uri); hvc_backend_finish() frees it. */
void hvc_backend_init(struct hvc_backend *b, const struct hvc_backend_impl *impl, const char *uri,
	bool read_only);
void hvc_backend_finish(struct hvc_backend *b);
