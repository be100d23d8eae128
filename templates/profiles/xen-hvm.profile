# xen-hvm: Xen HVM domU with a PV-on-HVM (pvops) kernel left on an unstable tsc.
#
# Source: docs/remedies.md §1 (SUSE KB), §3a, §3d, §4 row X4;
#   SUSE KB 000020410 https://www.suse.com/support/kb/doc/?id=000020410 (SLES 12/15 Xen HVM
#   domU with clocksource=tsc, live migration without TSC scaling; resolution: chrony).
#
# Why: after migration between hosts with different TSC frequency, tsc in an HVM guest is
# unstable and the drift can exceed what ntpd corrects (> 500 ppm) (§4 X4).
#
# What it does: kernel parameter clocksource=xen (in the guest's own boot loader: an HVM
# domain without direct kernel boot has no host-side kernel line, and an extra= there makes
# `xl create` fail - the plan handles the place), live switch to xen, time sync in the guest.
# Chosen only on evidence (current tsc plus an instability symptom) and only if the guest
# offers the xen clocksource ([expect]) - which also keeps old non-PV HVM kernels (row X5) out.
#
# Caveats (remedies.md §3c, §4 X4):
#   - Prefer chrony over ntpd in the guest (SUSE KB); hvclock only checks that one runs.
#   - Host side (outside hvclock): leave tsc_mode at its default, or use TSC-scaling hardware;
#     nomigrate=1 only for never-migrated domains (then tsc is safe).
#   - hpet/acpi_pm fallbacks cost a VM exit per read and have no vDSO path.

[profile]
name = xen-hvm
summary = Xen HVM domU (PV-on-HVM kernel) on tsc with clocksource instability: clocksource=xen
	via the guest boot loader, live switch to xen, chrony/ntpd in the guest
source = docs/remedies.md §4 X4; SUSE KB 000020410
	https://www.suse.com/support/kb/doc/?id=000020410
row = X4
priority = 50
auto = yes

[match]
hypervisor = xen
arch = x86
guest-type = hvm
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
