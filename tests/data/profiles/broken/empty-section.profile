# empty-section: empty [expect] (broken test fixture).
[profile]
name = empty-section
summary = Broken on purpose

[expect]

[match]
hypervisor = kvm

[timesync]
required = yes
