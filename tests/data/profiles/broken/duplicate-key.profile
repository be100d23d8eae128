# duplicate-key: name given twice (broken test fixture).
[profile]
name = duplicate-key
summary = Broken on purpose
name = duplicate-key

[match]
hypervisor = kvm

[timesync]
required = yes
