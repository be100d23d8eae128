# no-profile-section (broken test fixture).
[match]
hypervisor = kvm

[timesync]
required = yes
