# minimal-timesync: the time sync check is the only action (test fixture).
[profile]
name = fuzz
summary = Only a time sync check
priority = 10
auto = yes

[match]
hypervisor = xen

[timesync]
required = yes
