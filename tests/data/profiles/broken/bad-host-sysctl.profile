# bad-host-sysctl: host sysctl without = (broken test fixture).
[profile]
name = bad-host-sysctl
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[host]
sysctl = xen.independent_wallclock
