# lpj: lpj= is host-specific (broken test fixture).
[profile]
name = lpj
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[cmdline]
set = notsc lpj=4000000
