# duplicate-key: name given twice (broken test fixture).
[profile]
name = fuzz
summary = Broken on purpose
name = fuzz

[match]
hypervisor = kvm

[timesync]
required = yes
