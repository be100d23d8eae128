# priority-range: priority out of range (broken test fixture).
[profile]
name = priority-range
summary = Broken on purpose
priority = 100000

[match]
hypervisor = kvm

[timesync]
required = yes
