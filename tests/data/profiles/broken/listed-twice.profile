# listed-twice: a value listed twice (broken test fixture).
[profile]
name = listed-twice
summary = Broken on purpose

[match]
hypervisor = xen xen

[timesync]
required = yes
