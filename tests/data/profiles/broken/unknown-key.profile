# unknown-key: unknown key in [profile] (broken test fixture).
[profile]
name = unknown-key
summary = Broken on purpose
colour = red

[match]
hypervisor = kvm

[timesync]
required = yes
