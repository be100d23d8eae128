# xen-pvops: Xen PV or PVH domU with a pvops kernel - keep the xen clocksource, run time sync.
#
# Source: docs/remedies.md §1 (related sources), §3a, §3b, §4 rows X2 and X3;
#   Zerigo VPS doc ("with newer pv-ops kernels or with Xen 4.0 ... running NTP is necessary"),
#   prgmr.com 2015 ("Modern kernels don't have independent wallclock any more and you're
#   supposed to run ntp", citing the Xen FAQ DomU), Citrix XenServer 6.2 VM User's Guide §9.7.
#
# Why: pvops kernels have no xen.independent_wallclock (§3b); their wallclock is always
# independent, so the guest itself must run chrony/ntpd (§4 X2). The xen clocksource is the
# default and migration-safe; a watchdog line "Marking clocksource 'tsc' as unstable ... 'xen'
# wd_now" is cosmetic while xen is current.
#
# What it does: nothing but the time sync check (hvclock does not install a daemon).
# Never pushes xen.independent_wallclock (the key is absent: a stale sysctl.conf line would make
# `sysctl -p` fail at every boot). A guest that left xen for tsc and shows instability is
# claimed by xen-pvops-tsc-unstable (higher priority).
#
# Caveats (remedies.md §3a, §4 X2, X3):
#   - Kernel globs start at 2.6.32 (§4 X2 "pvops >= 2.6.32"). Classic SLES 11 "-xen" kernels
#     of 2.6.32 or later also match by release; after inspection they are claimed by xen-wa1
#     (higher priority) through the xen.independent_wallclock sysctl they have.
#   - PVH needs a pvops kernel with PVH support (~4.11+, approx.).
#   - The perf-only option `clocksource=tsc` for never-migrated/never-suspended VMs (Qubes
#     PR#577, Heap blog) is deliberately not offered: it broke after migration and host S3
#     (Qubes reverted it, PR#754).
#   - PVH with Linux >= 6.3 may prefer tsc by itself when it is invariant and tsc_mode="native"
#     (§3a); keep tsc_mode at its default for VMs that migrate (host-side, outside hvclock).
#   - No [done-if]: the time sync check applies to every such guest.

[profile]
name = xen-pvops
summary = Xen PV/PVH domU with a pvops kernel: keep the xen clocksource, require chrony/ntpd
	in the guest (its wallclock is always independent)
source = docs/remedies.md §3b, §4 X2 and X3; prgmr.com 2015 (Xen FAQ DomU);
	Zerigo VPS doc (synchronizing time with ntp/chrony)
row = X2/X3
priority = 40
auto = yes

[match]
hypervisor = xen
guest-type = pv pvh
kernel = 2.6.3[2-9]* [3-9].* [1-9][0-9].*

[timesync]
required = yes
