# el5-kvm-i386: RHEL/CentOS 5 32-bit KVM guest without kvm-clock, Red Hat's clocksource=acpi_pm.
#
# Source: docs/remedies.md §2a, §4 row K1;
#   RHEL 6 Virtualization Host Configuration and Guest Installation Guide §14.2; RHEL 5
#   Virtualization Guide ch. 17 "KVM guest timing management".
#
# Red Hat's table for 32-bit guests: 5.5+ with kvm-clock: nothing; 5.5 without kvm-clock:
# `clocksource=acpi_pm lpj=n`; 5.3 and 5.4: `clocksource=acpi_pm`. NTP on host and guest.
#
# What it does: kernel parameter clocksource=acpi_pm, time sync in the guest; nothing to do
# ([done-if]) on kvm-clock.
#
# Not chosen automatically (auto = no): the kernel release does not tell 32-bit from x86_64
# (see el5-kvm-x86-64). The "PAE" flavour glob below is an assumption about EL5 uname forms
# (PAE kernels are 32-bit), not a remedies.md fact.
#
# Caveats (remedies.md §2a, §4 K1): never lpj= (host-specific); no divider=10 (panics before
# 5.8, BZ#698842); acpi_pm is a port read, a VM exit per clock read.

[profile]
name = el5-kvm-i386
summary = RHEL/CentOS 5 32-bit KVM guest not on kvm-clock: clocksource=acpi_pm on the kernel
	command line (never lpj=), NTP in the guest (Red Hat KVM guest timing table)
source = docs/remedies.md §2a, §4 K1; RHEL 6 Virtualization Host Configuration and Guest
	Installation Guide §14.2; RHEL 5 Virtualization Guide ch. 17
row = K1
priority = 80
auto = no

[match]
hypervisor = kvm
arch = x86
kernel = 2.6.18-*.el5 2.6.18-*.el5PAE

[match:libosinfo]
hypervisor = kvm
arch = x86
os-id = http://redhat.com/rhel/5* http://centos.org/centos/5* http://oracle.com/oel/5*
	http://oracle.com/ol/5* http://scientificlinux.org/scientificlinux/5*

[done-if]
current-clocksource = kvm-clock

[cmdline]
set = clocksource=acpi_pm

[timesync]
required = yes
