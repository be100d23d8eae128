# bad-hypervisor: hypervisor vmware (broken test fixture).
[profile]
name = bad-hypervisor
summary = Broken on purpose

[match]
hypervisor = vmware

[timesync]
required = yes
