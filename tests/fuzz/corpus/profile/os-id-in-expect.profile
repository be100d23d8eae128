# os-id-in-expect: os-id outside [match] (broken test fixture).
[profile]
name = fuzz
summary = Broken on purpose

[match]
hypervisor = kvm

[timesync]
required = yes

[expect]
os-id = http://centos.org/centos/6*
