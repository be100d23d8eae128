# xen-wa2: classic XenLinux PV domU, Debian wiki "Xen/Clocksource" Workaround #2.
#
# Source: docs/remedies.md §1 (Workaround #2), §3b, §4 row X1;
#   https://wiki.debian.org/Xen/Clocksource (Workaround #2, "behaviour of the previous
#   xen-kernel settings"; references Debian bug #534978 msg 29).
#
# What it does: kernel parameter clocksource=jiffies on every domU *and* on dom0, with the
# domU wallclock left dependent on dom0 (xen.independent_wallclock=0); NTP runs only in dom0.
# The wiki reports 14 dom0s + 27 domUs stable for two weeks with these settings.
#
# Not chosen automatically (auto = no): it needs the same change on dom0 and on every domU
# of that dom0, which hvclock cannot decide per guest. Force it (--profile xen-wa2 or a
# per-guest config) for a whole host at a time.
#
# Caveats (remedies.md §1, §4 X1):
#   - Workaround #2 as described changes the boot parameter only; the live jiffies switch is a
#     Workaround #1 step and is not part of this profile. The change applies at the next boot
#     (domU: next `xl create`; dom0: next host reboot).
#   - Do not run ntpd in a domU with independent_wallclock=0: the guest cannot set its clock
#     and two disciplines drift (Novell doc, §4 X1). hvclock does not check NTP in dom0.
#   - Workaround #3 exists because jiffies made clocks worse for some users (text unknown).
#   - Same kernel release globs and sysctl guard as xen-wa1.

[profile]
name = xen-wa2
summary = Classic XenLinux PV: clocksource=jiffies on dom0 and every domU, dependent
	wallclock (independent_wallclock=0), NTP only in dom0 (Debian wiki Workaround #2)
source = docs/remedies.md §1 Workaround #2, §3b, §4 X1;
	https://wiki.debian.org/Xen/Clocksource
row = X1
priority = 95
auto = no

[match]
hypervisor = xen
guest-type = pv
kernel = 2.6.1[6-8]*xen* 2.6.2[0-9]*-xen*

[match:libosinfo]
hypervisor = xen
guest-type = pv
os-id = http://redhat.com/rhel/5* http://centos.org/centos/5* http://oracle.com/oel/5*
	http://oracle.com/ol/5* http://scientificlinux.org/scientificlinux/5*

[match:wallclock-sysctl]
hypervisor = xen
guest-type = pv
sysctl-exists = xen.independent_wallclock

[expect]
sysctl-exists = xen.independent_wallclock

[cmdline]
set = clocksource=jiffies

[sysctl:xen.independent_wallclock]
value = 0
only-if-exists = yes

# NTP only in dom0: the domU follows dom0's clock.
[timesync]
required = no

# dom0: the same kernel parameter; NTP runs there (the domUs follow dom0's clock): checked.
[host]
cmdline-set = clocksource=jiffies
timesync = yes
