# xen-wa1: classic XenLinux PV domU, Debian wiki "Xen/Clocksource" Workaround #1.
#
# Source: docs/remedies.md §1 (Workaround #1), §3a, §3b, §4 row X1;
#   https://wiki.debian.org/Xen/Clocksource (Workaround #1),
#   Oracle VM 3 docs (vmadm-tshoot-vm-clock: independent_wallclock = 1 -> guest runs NTP),
#   open-sharedroot FAQ (clock stops after live migration: independent_wallclock=1 + ntp in domU).
#
# What it does (all four steps of Workaround #1):
#   domU kernel parameter clocksource=jiffies (xl extra=/cmdline= for direct boot and pygrub,
#   otherwise the guest's GRUB: hvclock's plan picks the place); domU and dom0 sysctl
#   xen.independent_wallclock=1; live switch of the running domU to jiffies; NTP in the domU.
#
# Caveats (remedies.md §1, §3a, §4 X1, §7):
#   - Workaround #3 exists because jiffies made clocks *more* unstable for some users; its
#     remedy is not known here (unverified). jiffies has tick resolution and drifts with lost
#     ticks; ntpd cannot correct more than 500 ppm. If this profile makes a guest worse, the
#     alternative is "keep xen + NTP in the domU": force xen-classic-ntp for that guest.
#   - The live switch to jiffies is only dependable on these old periodic-tick kernels; the
#     plan reads current_clocksource back and reports a refused switch as deferred.
#   - xen.independent_wallclock exists only in classic kernels (§3b): the sysctl is pushed only
#     where the key exists, and [expect] rejects the profile for a guest without the key.
#   - Kernel release globs: 2.6.16-2.6.18 XenLinux ("2.6.18-419.el5xen" EL5/OEL5 kernel-xen,
#     "2.6.16.60-0.21-xen" SLES 10, "2.6.18-6-xen-amd64" Debian 4, "2.6.18.8-xen" xen.org tree)
#     and 2.6.2x "-xen" flavours ("2.6.26-2-xen-amd64" Debian 5, Ubuntu 8.04 "-xen", SLES 11 GA).
#     Whether kernels before 2.6.18 take clocksource= at all is not verified here.
#     Later SLES 11 "-xen" kernels are classic too (§4 X1 names "SLES10/11 -xen") but their
#     release form is not given in remedies.md: they are claimed by the [match:wallclock-sysctl]
#     block once an inspection has seen /proc/sys/xen/independent_wallclock.
#   - A host-side extra= edit applies at the next `xl create`, not at an in-guest reboot
#     (remedies.md §4 general caveats).

[profile]
name = xen-wa1
summary = Classic XenLinux PV domU: clocksource=jiffies, independent wallclock in domU and
	dom0, live switch to jiffies, NTP in the domU (Debian wiki Workaround #1)
source = docs/remedies.md §1 Workaround #1, §3b, §4 X1;
	https://wiki.debian.org/Xen/Clocksource
row = X1
priority = 100
auto = yes

# The kernel release decides (guest uname -r, or the host's direct-boot kernel path).
[match]
hypervisor = xen
guest-type = pv
kernel = 2.6.1[6-8]*xen* 2.6.2[0-9]*-xen*

# Host-side hint before inspection: EL5 has no pvops kernel, so an EL5 PV domU runs kernel-xen.
[match:libosinfo]
hypervisor = xen
guest-type = pv
os-id = http://redhat.com/rhel/5* http://centos.org/centos/5* http://oracle.com/oel/5*
	http://oracle.com/ol/5* http://scientificlinux.org/scientificlinux/5*

# The definitive fact (§3b): only classic XenLinux kernels have this sysctl.
[match:wallclock-sysctl]
hypervisor = xen
guest-type = pv
sysctl-exists = xen.independent_wallclock

[expect]
sysctl-exists = xen.independent_wallclock

[cmdline]
set = clocksource=jiffies

[sysctl:xen.independent_wallclock]
value = 1
only-if-exists = yes

[live]
clocksource = jiffies

# independent_wallclock=1: the domU keeps its own time, so it must run NTP (§1 caveat).
[timesync]
required = yes

# Workaround #1 sets the sysctl in dom0 too; applied only where dom0 has the key (§3b).
[host]
sysctl = xen.independent_wallclock=1
