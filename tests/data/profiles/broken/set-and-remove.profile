# set-and-remove: one parameter set and removed (broken test fixture).
[profile]
name = set-and-remove
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[cmdline]
set = clocksource=jiffies
remove = clocksource=tsc
