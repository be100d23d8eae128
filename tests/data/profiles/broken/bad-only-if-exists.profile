# bad-only-if-exists: only-if-exists = 1 (broken test fixture).
[profile]
name = bad-only-if-exists
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[sysctl:xen.independent_wallclock]
value = 1
only-if-exists = 1
