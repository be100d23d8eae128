/* arch.c: guest architectures and the kernel parameters that exist on x86 only. */
#include "core/arch.h"
#include "core/util.h"

bool hvc_arch_name_valid(const char *arch)
{
	size_t n = arch ? strlen(arch) : 0;

	if (n == 0 || n > 32)
		return false;
	return strspn(arch, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

bool hvc_arch_is_x86(const char *arch)
{
	static const char *const x86[] = { "x86_64", "i386", "i486", "i586", "i686" };

	for (size_t i = 0; arch && i < ELEMENTSOF(x86); i++)
		if (streq(arch, x86[i]))
			return true;
	return false;
}

bool hvc_arch_matches(const char *value, const char *arch)
{
	return streq(value, HVC_ARCH_SET_X86) ? hvc_arch_is_x86(arch) : streq(value, arch);
}

/*
 * The kernel parameters hvclock's profiles may write that exist on x86 only,
 * with where that is said (docs/remedies.md §3e). value NULL: the parameter
 * whatever its value. The names compare with '-' and '_' equal.
 */
static const struct {
	const char *name;
	const char *value;
} x86_only[] = {
	/* kernel-parameters.txt, clocksource=: "[X86-32] pit,hpet,tsc", "[X86-64] hpet,tsc". */
	{ "clocksource", "tsc" },
	{ "clocksource", "hpet" },
	{ "clocksource", "pit" },
	/* "[ACPI] acpi_pm": drivers/clocksource/acpi_pm.c is built for X86_PM_TIMER only. */
	{ "clocksource", "acpi_pm" },
	/* arch/x86/kernel/kvmclock.c, arch/x86/xen/time.c. */
	{ "clocksource", "kvm-clock" },
	{ "clocksource", "xen" },
	/* kernel-parameters.txt: tsc= [X86], notsc [X86-32] (x86_64 takes it too), no-kvmclock
	 * [X86,KVM], hpet= [X86-32,HPET], nohpet [X86-64], clock= [BUGS=X86-32, HW]. */
	{ "tsc", NULL },
	{ "notsc", NULL },
	{ "no_kvmclock", NULL },
	{ "hpet", NULL },
	{ "nohpet", NULL },
	{ "clock", NULL },
	/* RHEL 6's x86 kernels only (docs/remedies.md §2b). */
	{ "clocksource_failover", NULL },
};

/* '-' and '_' equal, as the kernel's parameq() compares. */
static bool name_eq(const char *a, size_t alen, const char *b)
{
	if (alen != strlen(b))
		return false;
	for (size_t i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
		if (x != y)
			return false;
	}
	return true;
}

bool hvc_arch_param_x86_only(const char *param)
{
	size_t n = strcspn(param, "=");
	const char *value = param[n] == '=' ? param + n + 1 : NULL;

	for (size_t i = 0; i < ELEMENTSOF(x86_only); i++)
		if (name_eq(param, n, x86_only[i].name) &&
			(!x86_only[i].value || streq_ptr(value, x86_only[i].value)))
			return true;
	return false;
}

bool hvc_arch_clocksource_x86_only(const char *clocksource)
{
	for (size_t i = 0; i < ELEMENTSOF(x86_only); i++)
		if (streq(x86_only[i].name, "clocksource") && streq(x86_only[i].value, clocksource))
			return true;
	return false;
}

char *hvc_arch_profile_misfit(const struct hvc_profile *p, const char *arch)
{
	if (!arch || hvc_arch_is_x86(arch))
		return NULL;
	STRV_FOREACH (s, p->cmdline_set)
		if (hvc_arch_param_x86_only(*s))
			return xstrdup(*s);
	STRV_FOREACH (c, p->live_clocksources)
		if (hvc_arch_clocksource_x86_only(*c))
			return xasprintf("live clocksource %s", *c);
	return NULL;
}
