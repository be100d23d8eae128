# bad-cmdline: cmdline parameter with shell characters (broken test fixture).
[profile]
name = bad-cmdline
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[cmdline]
set = clocksource=$(reboot)
