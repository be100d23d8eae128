# sysctl-no-value: [sysctl:KEY] without value (broken test fixture).
[profile]
name = sysctl-no-value
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[sysctl:xen.independent_wallclock]
only-if-exists = no
