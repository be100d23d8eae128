# fine: a valid profile (broken set fixture).
[profile]
name = fine
summary = Valid

[match]
hypervisor = kvm

[timesync]
required = yes
