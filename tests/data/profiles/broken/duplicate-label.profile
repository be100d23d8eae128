# duplicate-label: [match:a] twice (broken test fixture).
[profile]
name = duplicate-label
summary = Broken on purpose

[match:a]
hypervisor = kvm

[match:a]
hypervisor = xen

[timesync]
required = yes
