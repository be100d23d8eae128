# bad-guest-type: guest type hvm-pv (broken test fixture).
[profile]
name = fuzz
summary = Broken on purpose

[match]
hypervisor = xen
guest-type = pv hvm-pv

[timesync]
required = yes
