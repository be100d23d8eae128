# bad-sysctl-value: quoted sysctl value (broken test fixture).
[profile]
name = bad-sysctl-value
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[sysctl:xen.independent_wallclock]
value = "1"
