# empty-value: a key without a value (broken test fixture).
[profile]
name = empty-value
summary = Broken on purpose
source =

[match]
hypervisor = kvm

[timesync]
required = yes
