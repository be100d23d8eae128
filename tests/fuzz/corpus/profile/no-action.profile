# no-action: changes nothing (broken test fixture).
[profile]
name = fuzz
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = no
