# kvm-invtsc-migration: KVM guest that chose tsc over kvm-clock because invtsc is exposed.
#
# Source: docs/remedies.md §3a, §4 row K4, §5;
#   torvalds/linux commit 7539b174aef4 ("x86: kvmguest: use TSC clocksource if invariant TSC
#   is exposed"; kvm-clock rated 299 when the vCPU shows constant_tsc + nonstop_tsc);
#   cloud-hypervisor#5786 / PR#5787; boldsoftware/exe.dev#222 (CLOCK_MONOTONIC went backwards
#   on tsc, workaround: switch the guest to kvm-clock and persist it); libkrun#756.
#
# Why: with invtsc exposed (`-cpu host,+invtsc`, libvirt host-passthrough + invtsc) newer
# kernels silently use tsc. That breaks when the VM migrates or is restored on a host with a
# different TSC frequency or unsynchronised vCPU TSC offsets (§4 K4).
#
# Not chosen automatically (auto = no): tsc is the fastest clocksource (vDSO) and right for
# pinned, never-migrated VMs (libkrun#756: "not universally wrong"); whether a VM migrates or
# is snapshotted is not a fact hvclock can read. Force it for VMs that do.
#
# What it does: kernel parameter clocksource=kvm-clock, live switch to kvm-clock, time sync.
#
# Caveats (remedies.md §4 K4, §7):
#   - The kernel release of commit 7539b174aef4 (~5.1) is not verified, so no kernel glob.
#   - The host-side alternatives (drop invtsc from the vCPU model, pin the TSC frequency as
#     KubeVirt does) are outside hvclock.

[profile]
name = kvm-invtsc-migration
summary = KVM guest on tsc because invtsc is exposed, for VMs that migrate or are restored:
	clocksource=kvm-clock, live switch to kvm-clock, time sync in the guest
source = docs/remedies.md §3a, §4 K4; torvalds/linux commit 7539b174aef4;
	cloud-hypervisor PR#5787; boldsoftware/exe.dev#222
row = K4
priority = 40
auto = no

[match]
hypervisor = kvm
arch = x86
current-clocksource = tsc
cpu-flags = constant_tsc nonstop_tsc

[expect]
available-clocksource = kvm-clock

[cmdline]
set = clocksource=kvm-clock

[live]
clocksource = kvm-clock

[timesync]
required = yes
