#!/usr/bin/env python3
"""gen-fleet.py N > FLEET.xml: a libvirt test-driver fleet of N domains (bench/planning.sh).

The kinds rotate (one of each of the demo fleet's common shapes), every name, UUID and MAC
is fixed by the index, so two runs plan the same fleet. No guest has an address: hvclock plans
them from what the host knows, without SSH.
"""
import sys

KINDS = [
    # (os type, kernel or None, cmdline or None, libosinfo id)
    ("hvm", "/var/lib/libvirt/boot/vmlinuz-2.6.32-754.35.1.el6.x86_64",
     "ro root=/dev/vda1 console=ttyS0 rhgb quiet", "http://centos.org/centos/6.10"),
    ("xen", "/var/lib/xen/boot/vmlinuz-2.6.18-419.el5xen",
     "ro root=/dev/xvda1 console=hvc0", "http://centos.org/centos/5.11"),
    ("hvm", None, None, "http://debian.org/debian/12"),
    ("hvm", "/var/lib/libvirt/boot/vmlinuz-3.10.0-1160.el7.x86_64",
     "ro root=/dev/vda1 console=ttyS0", "http://centos.org/centos/7.0"),
]


def domain(i):
    ostype, kernel, cmdline, osid = KINDS[i % len(KINDS)]
    boot = ""
    if kernel:
        boot = f"      <kernel>{kernel}</kernel>\n      <cmdline>{cmdline}</cmdline>\n"
    else:
        boot = "      <boot dev='hd'/>\n"
    return f"""  <domain type='test'>
    <name>g{i:05d}</name>
    <uuid>6b1c6e2b-9f0d-4e57-8b3a-{i:012x}</uuid>
    <metadata>
      <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
        <libosinfo:os id="{osid}"/>
      </libosinfo:libosinfo>
    </metadata>
    <memory unit='GiB'>1</memory>
    <vcpu>1</vcpu>
    <os>
      <type arch='x86_64'>{ostype}</type>
{boot}    </os>
    <devices>
      <interface type='network'>
        <mac address='52:54:{(i >> 24) & 255:02x}:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}'/>
        <source network='default'/>
      </interface>
    </devices>
  </domain>
"""


def main():
    n = int(sys.argv[1])
    out = ["<node>\n  <cpu><nodes>1</nodes><sockets>2</sockets><cores>8</cores>"
           "<threads>2</threads></cpu>\n  <memory>67108864</memory>\n"
           "  <network>\n    <name>default</name>\n"
           "    <uuid>4a1c6e2b-9f0d-4e57-8b3a-1c2d3e4f5000</uuid>\n"
           "    <forward mode='nat'/>\n    <bridge name='virbr0'/>\n"
           "    <ip address='192.168.122.1' netmask='255.255.255.0'/>\n  </network>\n"]
    out += [domain(i) for i in range(n)]
    out.append("</node>\n")
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
