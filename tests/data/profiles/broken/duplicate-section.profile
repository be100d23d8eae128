# duplicate-section: [expect] twice (broken test fixture).
[profile]
name = duplicate-section
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[expect]
hypervisor = kvm

[expect]
guest-type = kvm
