# two-errors: two errors: the first one is reported (broken test fixture).
[profile]
name = two-errors
summary = Broken on purpose
auto = sometimes

[match]
hypervisor = vmware

[timesync]
required = yes
