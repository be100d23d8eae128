# bad-row: row in lower case (broken test fixture).
[profile]
name = bad-row
summary = Broken on purpose
row = x1

[match]
hypervisor = kvm

[timesync]
required = yes
