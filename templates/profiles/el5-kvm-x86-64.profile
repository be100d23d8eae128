# el5-kvm-x86-64: RHEL/CentOS 5 x86_64 KVM guest without kvm-clock, Red Hat's `notsc`.
#
# Source: docs/remedies.md §2a, §4 row K1;
#   RHEL 6 Virtualization Host Configuration and Guest Installation Guide §14.2 "Required
#   Parameters for Red Hat Enterprise Linux Guests"; RHEL 5 Virtualization Guide ch. 17 "KVM
#   guest timing management"; RHEV 3.0 Admin Guide App. G.
#
# Red Hat's table for x86_64 guests: 5.5+ with kvm-clock: nothing; 5.5 without kvm-clock:
# `notsc lpj=n`; 5.3 and 5.4: `notsc`. NTP on the host and in the guest.
#
# What it does: kernel parameter notsc, time sync in the guest; nothing to do ([done-if]) when
# the guest already runs on kvm-clock (5.5+ default).
#
# Not chosen automatically (auto = no): EL5's uname -r ("2.6.18-419.el5") does not say whether
# the kernel is x86_64 or 32-bit, and the 32-bit remedy differs (el5-kvm-i386). hvclock has no
# architecture fact, so force the profile that fits.
#
# Caveats (remedies.md §2a, §4 K1):
#   - lpj=n is never set: it must equal the loops-per-jiffy of one host CPU ("If you do not know
#     this value, do not set the lpj parameter").
#   - divider=10 (older guides) is left out: it can panic RHEL 5 before 5.8 (BZ#698842).
#   - `notsc` is documented as deprecated in favour of tsc=unstable on newer kernels (§2c);
#     for EL5 the Red Hat table is the authority.

[profile]
name = el5-kvm-x86-64
summary = RHEL/CentOS 5 x86_64 KVM guest not on kvm-clock: notsc on the kernel command line
	(never lpj=), NTP in the guest (Red Hat KVM guest timing table)
source = docs/remedies.md §2a, §4 K1; RHEL 6 Virtualization Host Configuration and Guest
	Installation Guide §14.2; RHEL 5 Virtualization Guide ch. 17
row = K1
priority = 80
auto = no

[match]
hypervisor = kvm
arch = x86
kernel = 2.6.18-*.el5

[match:libosinfo]
hypervisor = kvm
arch = x86
os-id = http://redhat.com/rhel/5* http://centos.org/centos/5* http://oracle.com/oel/5*
	http://oracle.com/ol/5* http://scientificlinux.org/scientificlinux/5*

[done-if]
current-clocksource = kvm-clock

[cmdline]
set = notsc

[timesync]
required = yes
