# bad-boolean: auto is not a boolean (broken test fixture).
[profile]
name = bad-boolean
summary = Broken on purpose
auto = maybe

[match]
hypervisor = kvm

[timesync]
required = yes
