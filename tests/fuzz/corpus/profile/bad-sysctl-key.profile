# bad-sysctl-key: sysctl key without a dot (broken test fixture).
[profile]
name = fuzz
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[sysctl:independent_wallclock]
value = 1
