# no-action: changes nothing (broken test fixture).
[profile]
name = no-action
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = no
