# el6-kvm: RHEL/CentOS/OL/SL 6 KVM guest, whose clocksource watchdog only warns.
#
# Source: docs/remedies.md §2b, §3a, §4 row K2;
#   RHEL 6 kernel watchdog code as quoted by a Red Hat support engineer (GitHub
#   sungju/sungju.github.io kernel/internals/time_management.md;
#   https://sungju.org/2019/02/27/clocksource-tsc-unstable/);
# http://liquidat.wordpress.com/2013/04/02/howto-fixing-unstable-clocksource-in-virtualised-centos/
#   (add a failover clocksource such as hpet or acpi_pm to the kernel boot line).
#
# Why: on EL6 kernels the watchdog prints "Clocksource tsc unstable (delta = ... ns).  Enable
# clocksource failover by adding clocksource_failover kernel parameter." and keeps using tsc
# unless clocksource_failover is on the kernel command line (§2b).
#
# What it does: kernel parameter clocksource_failover=acpi_pm (the widely used form); a live
# switch to the first of kvm-clock, hpet, acpi_pm the guest offers; NTP in the guest.
# Nothing to do ([done-if]) when the guest already runs on kvm-clock: then the warning is
# about the unused tsc and is informational (§4 K2).
#
# Caveats (remedies.md §2b, §4 K2, §7):
#   - clocksource_failover is an EL6-only kernel patch; elsewhere it is an unknown parameter.
#     It is emitted only for kernels 2.6.32-*.el6* (the remedies.md tool rule) or, before
#     inspection, for guests libosinfo names as an EL6 release.
#   - How EL6 parses the value (flag vs. clocksource name) is not confirmed; only its use as a
#     flag by the watchdog is. Some admins add clocksource=kvm-clock as well; not done here.
#   - A live switch to hpet/acpi_pm costs a VM exit per clock read (no vDSO).
#   - RHEL 6.0 without kvm-clock: Red Hat's table says `notsc lpj=n`; lpj is host-specific and
#     is never set by hvclock, so that case is not covered here.

[profile]
name = el6-kvm
summary = EL6 KVM guest on tsc: clocksource_failover=acpi_pm so the watchdog can demote an
	unstable tsc; live switch to kvm-clock (else hpet, acpi_pm); NTP in the guest
source = docs/remedies.md §2b, §4 K2; sungju.github.io kernel/internals/time_management.md;
	liquidat.wordpress.com 2013-04-02 (fixing unstable clocksource in virtualised CentOS)
row = K2
priority = 90
auto = yes

[match]
hypervisor = kvm
arch = x86
kernel = 2.6.32-*.el6*

# Host-side hint before inspection (libosinfo ids as in osinfo-db, e.g. .../centos/6.10).
[match:libosinfo]
hypervisor = kvm
arch = x86
os-id = http://redhat.com/rhel/6* http://centos.org/centos/6* http://oracle.com/ol/6*
	http://scientificlinux.org/scientificlinux/6*

# On kvm-clock the "Enable clocksource failover" warning concerns the unused tsc.
[done-if]
current-clocksource = kvm-clock

[cmdline]
set = clocksource_failover=acpi_pm

[live]
clocksource = kvm-clock hpet acpi_pm

[timesync]
required = yes
