/* clocksource.c: the one table of clocksource read costs; sources in docs/remedies.md §3f. */
#include <stdio.h>

#include "core/clocksource.h"
#include "core/cmdline.h"
#include "core/util.h"

HVC_ENUM_IMPL(
	hvc_cs_cost, HVC_CS_COST_LAST, "unknown", "vdso", "vdso-if-stable", "syscall", "trap");

static const struct {
	const char *name;
	enum hvc_cs_cost cost;
	int since_major, since_minor; /* cost holds from this release on; before: SYSCALL */
	const char *why;
} table[] = {
	{ "tsc", HVC_CS_COST_VDSO, 0, 0, "tsc: rdtsc in the vDSO (VCLOCK_TSC)" },
	{ "kvm-clock", HVC_CS_COST_VDSO_IF_STABLE, 3, 8,
		"kvm-clock: pvclock in the vDSO since Linux 3.8, only with a stable TSC" },
	{ "xen", HVC_CS_COST_VDSO_IF_STABLE, 4, 19,
		"xen: pvclock in the vDSO since Linux 4.19, only with a stable TSC" },
	{ "hpet", HVC_CS_COST_TRAP, 0, 0, "hpet: an MMIO read the hypervisor emulates" },
	{ "acpi_pm", HVC_CS_COST_TRAP, 0, 0, "acpi_pm: a port read the hypervisor emulates" },
	{ "pit", HVC_CS_COST_TRAP, 0, 0, "pit: port reads the hypervisor emulates" },
	{ "jiffies", HVC_CS_COST_SYSCALL, 0, 0, "jiffies: a syscall, tick resolution" },
};

enum hvc_cs_cost hvc_clocksource_cost(const char *name, const char *release, const char **ret_why)
{
	unsigned long v[3];

	if (ret_why)
		*ret_why = NULL;
	if (!name)
		return HVC_CS_COST_UNKNOWN;
	for (size_t i = 0; i < ELEMENTSOF(table); i++) {
		if (!streq(table[i].name, name))
			continue;
		if (ret_why)
			*ret_why = table[i].why;
		if (table[i].since_major && hvc_linux_release_version(release, v) &&
			(v[0] < (unsigned long)table[i].since_major ||
				(v[0] == (unsigned long)table[i].since_major &&
					v[1] < (unsigned long)table[i].since_minor)))
			return HVC_CS_COST_SYSCALL;
		return table[i].cost;
	}
	return HVC_CS_COST_UNKNOWN;
}
