# xen-classic-ntp: classic XenLinux PV domU - keep the xen clocksource, independent wallclock, NTP.
#
# Source: docs/remedies.md §1 (Workaround #3 design consequence, related practitioner sources),
#   §3b, §4 row X1;
#   http://www.brookstevens.org/2010/06/xen-time-drift-and-ntp.html (CentOS 5 / Xen 3: ntpd in
#   the domU plus xen.independent_wallclock = 1);
#   Oracle VM 3 docs https://docs.oracle.com/cd/E50245_01/E50251/html/vmadm-tshoot-vm-clock.html
#   (independent_wallclock = 1 lets the PV guest manage its own clock with NTP);
#   open-sharedroot FAQ (domU clock stops after live migration: independent_wallclock=1 + ntp).
#
# Why: Workaround #3 of the Debian wiki exists because jiffies made clocks *more* unstable for
# some users, so jiffies must not be the only remedy for classic kernels: remedies.md §1 asks for a
# "keep xen clocksource + run NTP in domU" path. This is that path.
#
# What it does: sysctl xen.independent_wallclock=1 (where the key exists), NTP in the domU, and
# it undoes a jiffies override: removes clocksource=jiffies from the kernel command line and
# switches the running domU back to xen.
#
# Not chosen automatically (auto = no): xen-wa1 is the default for these guests; force this
# profile for guests where jiffies made things worse, or where the clock stops after migration.
#
# Caveats (remedies.md §1, §7):
#   - Inferred: the cmdline removal and the live switch back to xen are the inverse of
#     Workaround #1's jiffies steps; the practitioner sources only add the sysctl and ntpd.
#   - The ntp.conf tuning those sources mention ("tinker panic 0" and the like) is not verified
#     here and is not done by hvclock (§7).
#   - ntpd cannot correct more than 500 ppm; a domU that drifts faster needs a different fix.

[profile]
name = xen-classic-ntp
summary = Classic XenLinux PV domU: keep the xen clocksource (undo clocksource=jiffies),
	independent wallclock, NTP in the domU
source = docs/remedies.md §1 (Workaround #3 consequence, brookstevens.org 2010, Oracle VM 3
	docs, open-sharedroot FAQ), §3b, §4 X1
row = X1
priority = 98
auto = no

[match]
hypervisor = xen
arch = x86
guest-type = pv
kernel = 2.6.1[6-8]*xen* 2.6.2[0-9]*-xen*

[match:libosinfo]
hypervisor = xen
arch = x86
guest-type = pv
os-id = http://redhat.com/rhel/5* http://centos.org/centos/5* http://oracle.com/oel/5*
	http://oracle.com/ol/5* http://scientificlinux.org/scientificlinux/5*

[match:wallclock-sysctl]
hypervisor = xen
arch = x86
guest-type = pv
sysctl-exists = xen.independent_wallclock

[expect]
sysctl-exists = xen.independent_wallclock

[cmdline]
remove = clocksource=jiffies

[sysctl:xen.independent_wallclock]
value = 1
only-if-exists = yes

[live]
clocksource = xen

[timesync]
required = yes
