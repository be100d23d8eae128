# missing-summary (broken test fixture).
[profile]
name = missing-summary

[match]
hypervisor = kvm

[timesync]
required = yes
