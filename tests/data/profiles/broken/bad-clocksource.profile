# bad-clocksource: clocksource name with capitals (broken test fixture).
[profile]
name = bad-clocksource
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[live]
clocksource = KVM-Clock
