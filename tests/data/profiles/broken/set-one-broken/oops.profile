# oops: invalid (broken set fixture).
[profile]
name = oops
summary = Invalid

[match]
hypervisor = bhyve

[timesync]
required = yes
