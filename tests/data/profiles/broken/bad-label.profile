# bad-label: match label with a space (broken test fixture).
[profile]
name = bad-label
summary = Broken on purpose

[match:Lib Osinfo]
hypervisor = kvm

[timesync]
required = yes
