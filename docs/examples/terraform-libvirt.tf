# terraform-libvirt.tf: a guest made with the libvirt provider (dmacvicar/libvirt), then hvclock's
# rollout for it. Run terraform on the KVM host: local-exec runs hvclock on the machine terraform
# runs on, which must be the host (hvclock talks to libvirt's qemu:///system and to the guest).
#   terraform init && terraform apply -var 'hvclock_pubkey=ssh-ed25519 AAAA... hvclock@kvm1'

terraform {
  required_version = ">= 1.4" # terraform_data
  required_providers {
    libvirt = {
      source  = "dmacvicar/libvirt"
      version = "~> 0.7"
    }
  }
}

provider "libvirt" {
  uri = "qemu:///system"
}

variable "name" {
  type    = string
  default = "web1"
}

variable "image" {
  type        = string
  description = "a Debian 12 cloud image (qcow2)"
  default     = "/var/lib/libvirt/images/debian-12-genericcloud-amd64.qcow2"
}

variable "hvclock_pubkey" {
  type        = string
  description = "the public half of the SSH key hvclock uses (e.g. root's ~/.ssh/id_ed25519.pub)"
}

resource "libvirt_volume" "root" {
  name   = "${var.name}.qcow2"
  pool   = "default"
  source = var.image
  format = "qcow2"
}

# First boot: let hvclock in as root (cloud-init-user-data.yaml says why disable_root is false).
resource "libvirt_cloudinit_disk" "init" {
  name = "${var.name}-init.iso"
  pool = "default"
  user_data = "#cloud-config\n${yamlencode({
    disable_root        = false
    ssh_authorized_keys = [var.hvclock_pubkey]
    ssh_pwauth          = false
  })}"
}

resource "libvirt_domain" "guest" {
  name      = var.name
  memory    = 2048
  vcpu      = 2
  cloudinit = libvirt_cloudinit_disk.init.id

  disk {
    volume_id = libvirt_volume.root.id
  }

  network_interface {
    network_name   = "default"
    wait_for_lease = true
  }

  console {
    type        = "pty"
    target_type = "serial"
    target_port = "0"
  }
}

# Once the guest exists (again after it is replaced): hvclock waits up to 300 s for its SSH, then
# applies its remedy; a non-zero exit status fails the apply (hvclock(1), EXIT STATUS).
# No shell: with an interpreter, local-exec runs that argument list with the command appended as
# its last argument, so the guest's name reaches hvclock as one argument, after "--".
resource "terraform_data" "hvclock" {
  triggers_replace = [libvirt_domain.guest.id]

  provisioner "local-exec" {
    interpreter = ["hvclock", "rollout", "--accept-new", "--wait-ssh", "300", "--"]
    command     = libvirt_domain.guest.name
  }
}
