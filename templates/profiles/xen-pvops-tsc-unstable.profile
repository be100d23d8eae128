# xen-pvops-tsc-unstable: Xen PV/PVH domU (pvops) running on tsc with clocksource symptoms.
#
# Source: docs/remedies.md §2c, §3a, §4 rows X2, X3 and X4;
#   QubesOS/qubes-issues#2044 (PV, "Marking clocksource 'tsc' as unstable ... 'xen' wd_now"
#   plus a 2 s offset), Qubes PR#754 ("Restore clocksource=xen" after PVH domUs misbehaved
#   on tsc after host S3 resume).
#
# Why: §4 X2/X3 say keep xen (the default, migration-safe); a guest found on tsc got there by
# an override or, for PVH on Linux >= 6.3, by the invariant-TSC preference (§3a).
#
# What it does: kernel parameter clocksource=xen, live switch back to xen, time sync in the
# guest. Chosen only on evidence: current clocksource tsc plus an instability symptom in the
# kernel log, and xen must be offered ([expect]).
#
# Caveats (remedies.md §4 X2, X3, X4):
#   - Inferred: §4 gives `clocksource=xen` as the explicit remedy for HVM (X4); for PV/PVH it
#     says "keep xen". Setting it on the command line is the persistent form of that advice.
#   - The xen clocksource costs a syscall per clock_gettime on many setups (Qubes #7404).
#   - Same kernel globs as xen-pvops.

[profile]
name = xen-pvops-tsc-unstable
summary = Xen PV/PVH pvops domU on tsc with clocksource instability: back to the xen
	clocksource (kernel parameter and live), time sync in the guest
source = docs/remedies.md §4 X2, X3 (keep xen) and X4 (clocksource=xen);
	QubesOS/qubes-issues#2044; Qubes PR#754
row = X2/X3
priority = 45
auto = yes

[match]
hypervisor = xen
arch = x86
guest-type = pv pvh
kernel = 2.6.3[2-9]* [3-9].* [1-9][0-9].*
current-clocksource = tsc
symptom = clocksource-unstable tsc-unstable

[expect]
available-clocksource = xen

[cmdline]
set = clocksource=xen

[live]
clocksource = xen

[timesync]
required = yes
