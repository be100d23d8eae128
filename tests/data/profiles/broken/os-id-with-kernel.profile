# os-id-with-kernel: os-id and kernel in one block (broken test fixture).
[profile]
name = os-id-with-kernel
summary = Broken on purpose

[match]
hypervisor = kvm
kernel = 2.6.32-*.el6*
os-id = http://centos.org/centos/6*

[timesync]
required = yes
