# set-twice: one parameter set twice (broken test fixture).
[profile]
name = fuzz
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[cmdline]
set = clocksource=jiffies clocksource=tsc
