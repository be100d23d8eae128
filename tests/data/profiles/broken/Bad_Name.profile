# Bad_Name: invalid characters in the name (broken test fixture).
[profile]
name = Bad_Name
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes
