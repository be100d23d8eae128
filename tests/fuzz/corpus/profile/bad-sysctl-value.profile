# bad-sysctl-value: quoted sysctl value (broken test fixture).
[profile]
name = fuzz
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[sysctl:xen.independent_wallclock]
value = "1"
