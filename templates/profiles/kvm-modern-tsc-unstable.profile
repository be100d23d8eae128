# kvm-modern-tsc-unstable: KVM guest with a mainline-style kernel left on an unstable tsc.
#
# Source: docs/remedies.md §2c, §3a, §4 row K3;
#   torvalds/linux kernel/time/clocksource.c (watchdog: "Marking clocksource 'tsc' as unstable
#   because the skew is too large", automatic switch), arch/x86/kernel/kvmclock.c;
#   RHEL 7 Virtualization Deployment and Administration Guide §23.16 (kvmclock "the
#   recommended clock source for KVM guest virtual machines"); kubevirt/kubevirt PR#2842.
#
# Why: mainline kernels (EL7+, 3.x and later) fail over by themselves when the watchdog marks
# tsc unstable (§2c) - there is nothing to "enable". A guest that is still on tsc while its
# kernel log shows tsc/clocksource instability should run on kvm-clock (§4 K3).
#
# What it does: kernel parameter clocksource=kvm-clock (a preference that survives reboots),
# live switch to kvm-clock, time sync in the guest. Chosen only on evidence: the guest must be
# on tsc and its kernel log must show the symptom, and kvm-clock must be offered ([expect]).
#
# Caveats (remedies.md §2c, §4 K3, K4):
#   - Kernel-agnostic on purpose: EL6 guests are claimed first by el6-kvm (higher priority),
#     EL5 guests only by the forced el5-kvm-* profiles.
#   - A guest the watchdog already moved to hpet/acpi_pm is not claimed: the kernel did its
#     job, and it stays on the slower source until reboot (force this profile to move it back).
#   - `tsc=unstable` (keep tsc out) is the alternative named in §4 K3; not used here.
#   - 4.x-era `tsc=reliable` did not cover tsc-early (fixed by commit 63ec58b44fcc).
#   - A clocksource switch is itself a time discontinuity (hyperd#603): plan per guest.

[profile]
name = kvm-modern-tsc-unstable
summary = KVM guest on tsc with watchdog/TSC instability in its kernel log: clocksource=kvm-clock
	on the kernel command line, live switch to kvm-clock, time sync in the guest
source = docs/remedies.md §2c, §4 K3; torvalds/linux kernel/time/clocksource.c;
	RHEL 7 Virtualization Deployment and Administration Guide §23.16
row = K3
priority = 50
auto = yes

[match]
hypervisor = kvm
arch = x86
current-clocksource = tsc
symptom = clocksource-unstable tsc-unstable

[expect]
available-clocksource = kvm-clock

[cmdline]
set = clocksource=kvm-clock

[live]
clocksource = kvm-clock

[timesync]
required = yes
