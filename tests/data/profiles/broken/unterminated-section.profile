# unterminated-section: section header without ] (broken test fixture).
[profile]
name = unterminated-section
summary = Broken on purpose

[match
hypervisor = kvm

[timesync]
required = yes
