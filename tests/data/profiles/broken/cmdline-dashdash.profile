# cmdline-dashdash: the init separator as a parameter (broken test fixture).
[profile]
name = cmdline-dashdash
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[cmdline]
remove = --
