# full: exercises every section and key of the profile format (test fixture).
[profile]
name = fuzz
summary = Every section and key, with continuation lines
	and a second summary line
source = tests/data/profiles/good/full.profile
row = X2/X3
priority = 10
auto = true

[match]
hypervisor = xen ; an inline comment on a key line
guest-type = pv pvh
boot-path = direct-kernel bootloader
kernel = 2.6.3[2-9]* [3-9].*
	[1-9][0-9].*   ; an inline comment
current-clocksource = tsc
available-clocksource = xen tsc
symptom = clocksource-unstable
	tsc-unstable
sysctl-exists = kernel.hostname
cpu-flags = constant_tsc nonstop_tsc

[match:libosinfo]
hypervisor = xen ; an inline comment on a key line
os-id = http://centos.org/centos/6*

[expect]
available-clocksource = xen

[done-if]
current-clocksource = xen

[cmdline]
set = clocksource=xen notsc
remove = tsc=reliable no-kvmclock

[sysctl:xen.independent_wallclock]
value = 1

[sysctl:kernel.sched_rt_runtime_us]
value = -1
only-if-exists = false

[live]
clocksource = xen tsc

[timesync]
required = yes

[host]
sysctl = xen.independent_wallclock=1 kernel.panic=10
cmdline-set = clocksource=jiffies
timesync = yes
