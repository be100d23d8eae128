# a: one of two copies (broken set fixture).
[profile]
name = a
summary = First copy

[match]
hypervisor = kvm

[timesync]
required = yes
