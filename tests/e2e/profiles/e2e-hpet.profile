# e2e-hpet: test-only remedy for tests/e2e (never installed, never chosen on its own).
#
# Every action kind on a real kernel: under QEMU TCG a Debian 6.1 guest offers "tsc hpet acpi_pm"
# and runs on tsc (QEMU under TCG). This profile moves it to hpet with the kernel parameter
# (host <cmdline> for direct-kernel guests, GRUB_CMDLINE_LINUX + update-grub for disk-booted ones),
# a live switch, a sysctl drop-in for keys that exist (kernel.panic, 0 -> 17; vm.swappiness,
# 60 -> 10: multi-digit values both ways) and one for a key that does not exist in such a guest
# (xen.independent_wallclock: only-if-exists, so it is left out).

[profile]
name = e2e-hpet
summary = test only: clocksource=hpet on the kernel command line, live switch to hpet,
	kernel.panic = 17 and vm.swappiness = 10 in the sysctl drop-in
source = tests/e2e (QEMU under TCG offers no stable TSC: its guests run on tsc)
priority = 0
auto = no

[match]
hypervisor = kvm
available-clocksource = hpet

[cmdline]
set = clocksource=hpet

[sysctl:kernel.panic]
value = 17

[sysctl:vm.swappiness]
value = 10

[sysctl:xen.independent_wallclock]
value = 1

[live]
clocksource = hpet
