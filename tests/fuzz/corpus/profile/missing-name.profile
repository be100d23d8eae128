# missing-name: [profile] without name (broken test fixture).

[profile]
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes
