# b: copied from a.profile without renaming (broken set fixture).
[profile]
name = a
summary = Second copy

[match]
hypervisor = kvm

[timesync]
required = yes
