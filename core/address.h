/* address.h: which guest addresses hvclock will connect to when the hypervisor reports them. */
#pragma once

#include <stdbool.h>

/*
 * Addresses the hypervisor reports for a guest come from the guest (its agent,
 * its DHCP requests, its ARP answers): they are only taken as numeric IPv4 or
 * IPv6 literals of an ordinary unicast address that is not this host's own.
 * Returns NULL if addr is usable, else why not, one phrase ("loopback",
 * "this host's own address", ...; static storage). prefix: the interface's
 * prefix length as reported (0 = unknown), used to spot an IPv4 subnet's
 * broadcast address.
 */
const char *hvc_address_refusal(const char *addr, unsigned prefix);

/* Where one reported address came from, and whether hvclock takes it. */
struct hvc_guest_address {
	char *address;
	const char *source; /* "lease", "arp", "agent" (static) */
	const char *refused; /* NULL = usable; else hvc_address_refusal()'s phrase */
};

/* Free the n addresses of a backend's guest_addresses answer and the array; accepts NULL. */
void hvc_guest_addresses_free(struct hvc_guest_address *a, unsigned n);
