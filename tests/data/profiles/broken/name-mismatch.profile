# name-mismatch: name differs from the file name (broken test fixture).
[profile]
name = something-else
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes
