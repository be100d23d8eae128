# missing-summary (broken test fixture).
[profile]
name = fuzz

[match]
hypervisor = kvm

[timesync]
required = yes
