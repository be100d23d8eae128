# text-after-section: text after ] (broken test fixture).
[profile]
name = text-after-section
summary = Broken on purpose

[match] hypervisor = kvm

[timesync]
required = yes
