# syntax-error: a line that is neither key nor section (broken test fixture).
[profile]
name = syntax-error
summary = Broken on purpose

[match]
hypervisor kvm

[timesync]
required = yes
