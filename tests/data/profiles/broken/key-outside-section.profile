# key-outside-section (broken test fixture).
name = key-outside-section
[profile]
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes
