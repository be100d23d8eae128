/* clocksource.h: the one table of what reading each Linux clocksource costs a guest (docs/remedies.md §3f). */
#pragma once

#include "core/enum.h"

/*
 * What one clock_gettime()/gettimeofday() costs in a guest with this clocksource current:
 * read in user space through the vDSO (no syscall, no VM exit), a syscall without a VM exit
 * (the kernel reads the TSC and the pvclock page itself), or a trap to the hypervisor per
 * read (MMIO or port I/O that the hypervisor emulates).
 */
enum hvc_cs_cost {
	HVC_CS_COST_UNKNOWN, /* a clocksource the table does not know, or none known */
	HVC_CS_COST_VDSO,
	HVC_CS_COST_VDSO_IF_STABLE, /* pvclock: vDSO only when the hypervisor sets the
				       PVCLOCK_TSC_STABLE_BIT, else a syscall */
	HVC_CS_COST_SYSCALL,
	HVC_CS_COST_TRAP,
	HVC_CS_COST_LAST,
};
HVC_ENUM_DECL(hvc_cs_cost); /* "unknown", "vdso", "vdso-if-stable", "syscall", "trap" */

/*
 * The cost class of clocksource name (NULL: unknown) on a guest running Linux release (uname
 * -r; NULL: not known, taken as recent). *ret_why (may be NULL) gets a short constant reason
 * for people ("kvm-clock: pvclock in the vDSO since Linux 3.8, if stable").
 */
enum hvc_cs_cost hvc_clocksource_cost(const char *name, const char *release, const char **ret_why);
