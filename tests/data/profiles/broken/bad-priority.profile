# bad-priority: priority is a word (broken test fixture).
[profile]
name = bad-priority
summary = Broken on purpose
priority = high

[match]
hypervisor = kvm

[timesync]
required = yes
