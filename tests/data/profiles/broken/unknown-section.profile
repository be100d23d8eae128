# unknown-section: misspelled section (broken test fixture).
[profile]
name = unknown-section
summary = Broken on purpose

[matches]
hypervisor = kvm

[timesync]
required = yes
