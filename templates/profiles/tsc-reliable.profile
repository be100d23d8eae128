# tsc-reliable: watchdog false positives on a known-good TSC (row G) - only when forced.
#
# Source: docs/remedies.md §2c, §4 row G;
#   kernel-parameters.txt `tsc=reliable` ("disables clocksource verification at runtime, as
#   well as the stability checks done at bootup ... and in virtualized environment"; commit
#   b0f969009f64 wording); AWS EC2 guidance (as quoted in madgraph5/madgraph4gpu#116);
#   seapath PR#98 (RT).
#
# Why: under heavy host overcommit the watchdog (jiffies/refined-jiffies when there is no HPET)
# can mark a good TSC unstable because ticks are lost (§4 G).
#
# Not chosen automatically (auto = no): the first fix is the host overload, and disabling
# verification hides real TSC problems (§4 G caveat). Force it only for guests whose TSC is
# known good; [expect] shows constant_tsc/nonstop_tsc as unverified or contradicted.
#
# What it does: kernel parameter tsc=reliable, time sync in the guest.
#
# Caveats (remedies.md §2c, §4 G):
#   - Before commit 63ec58b44fcc (~2019) tsc=reliable did not cover tsc-early: a guest could
#     still mark tsc-early unstable at boot (madgraph5/madgraph4gpu#116).
#   - tsc=nowatchdog (watchdog off for the TSC only) is the narrower alternative; remedies.md
#     does not say from which kernel on it exists, so it is not used here.

[profile]
name = tsc-reliable
summary = Watchdog false positives on a known-good TSC under host overcommit: tsc=reliable on
	the kernel command line, time sync in the guest (fix the host overload first)
source = docs/remedies.md §2c, §4 G; kernel-parameters.txt tsc=reliable (commit b0f969009f64);
	AWS EC2 guidance via madgraph5/madgraph4gpu#116
row = G
priority = 10
auto = no

[match]
hypervisor = kvm xen
arch = x86
symptom = clocksource-unstable tsc-unstable

[expect]
cpu-flags = constant_tsc nonstop_tsc

[cmdline]
set = tsc=reliable

[timesync]
required = yes
