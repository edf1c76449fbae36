"""Terraform (the ``terraform`` on PATH, hashicorp/aws 5.100.0 from the machine's filesystem mirror)
through the gateway: one configuration, applied once, re-planned, changed in place, destroyed.

The configuration is what one writes for EC2, with the provider pointed at the gateway
(``endpoints { ec2 = ... }``) and the usual offline switches.  ``virtualization_type = "hvm"`` is set
because the provider's default is paravirtual, which OUTSCALE does not have (refused, as EC2 refuses
values it cannot honour); the image registered from a manifest names its root device, as on EC2, where
every image reports one (without it, the re-plan would replace the image).  The snapshot and the pre-signed manifest are made in the emulator: creating
snapshots goes through FCU, which is not this suite's subject.

The steps are tests of one module, in order, sharing one working directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from clients_env import OTHER_ACCOUNT

PROVIDER_VERSION = "5.100.0"
MIRROR = Path(os.environ.get("TF_PROVIDER_MIRROR", "/opt/tf-plugins"))
PROVIDER_DIR = MIRROR / "registry.terraform.io" / "hashicorp" / "aws" / PROVIDER_VERSION

CONFIG = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "%(version)s" }
  }
}

variable "endpoint" {}
variable "snapshot_id" {}
variable "manifest_url" {}
variable "owner" {}
variable "other_account" {}
variable "stage" { default = "one" }

provider "aws" {
  region                      = "eu-west-2"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    ec2 = var.endpoint
  }
}

resource "aws_ami" "from_snapshot" {
  name                = "tf-from-snapshot"
  description         = "registered by terraform"
  virtualization_type = "hvm"
  root_device_name    = "/dev/sda1"
  ebs_block_device {
    device_name = "/dev/sda1"
    snapshot_id = var.snapshot_id
    volume_size = 10
  }
  tags = { stage = var.stage, app = "tf" }
}

resource "aws_ami" "from_manifest" {
  name                = "tf-from-manifest"
  virtualization_type = "hvm"
  root_device_name    = "/dev/sda1"
  image_location      = var.manifest_url
  tags                = { stage = var.stage }
}

resource "aws_ami_copy" "copy" {
  name              = "tf-copy"
  description       = "copied by terraform"
  source_ami_id     = aws_ami.from_snapshot.id
  source_ami_region = "eu-west-2"
  tags              = { stage = var.stage }
}

resource "aws_ami_launch_permission" "share" {
  image_id   = aws_ami.from_snapshot.id
  account_id = var.other_account
}

data "aws_ami" "latest" {
  owners      = [var.owner]
  most_recent = true
  filter {
    name   = "name"
    values = ["tf-*"]
  }
  filter {
    name   = "state"
    values = ["available"]
  }
  depends_on = [aws_ami.from_snapshot, aws_ami.from_manifest, aws_ami_copy.copy]
}

output "latest_id" { value = data.aws_ami.latest.id }
output "latest_name" { value = data.aws_ami.latest.name }
"""


class Terraform:
    def __init__(self, workdir: Path, env: dict, variables: dict):
        self.workdir, self.env, self.vars = workdir, env, variables
        self.timings = []  # (command, seconds), printed with -s

    def run(self, *args, ok=(0,), timeout=300) -> subprocess.CompletedProcess:
        started = time.monotonic()
        done = subprocess.run(["terraform", *args], cwd=self.workdir, env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        self.timings.append((args[0], round(time.monotonic() - started, 1)))
        assert done.returncode in ok, f"terraform {' '.join(args)} exited {done.returncode}:\n" \
                                      f"{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
        return done

    def state(self) -> dict:
        """The state file as Terraform wrote it (read directly: ``terraform show`` would start the provider)."""
        return json.loads((self.workdir / "terraform.tfstate").read_text())

    def resources(self) -> dict:
        """Managed resource address -> its attributes."""
        return {f"{r['type']}.{r['name']}": r["instances"][0]["attributes"]
                for r in self.state().get("resources", []) if r["mode"] == "managed" and r["instances"]}

    def outputs(self) -> dict:
        return {name: o["value"] for name, o in self.state().get("outputs", {}).items()}


def _check_installed():
    # Never skipped: a machine without the client fails, saying what to install.
    if shutil.which("terraform") is None:
        pytest.fail("terraform is not on PATH (scripts/install-clients.sh checks it)")
    if not list(PROVIDER_DIR.glob("*/terraform-provider-aws_*")):
        pytest.fail(f"the hashicorp/aws {PROVIDER_VERSION} provider is not in the filesystem mirror {MIRROR}")


@pytest.fixture(scope="module")
def tf(stack, tmp_path_factory):
    _check_installed()
    workdir = tmp_path_factory.mktemp("terraform")
    cli_config = workdir / "terraform.rc"
    cli_config.write_text('provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' % MIRROR)
    (workdir / "main.tf").write_text(CONFIG % {"version": PROVIDER_VERSION})
    variables = {"endpoint": stack.url, "snapshot_id": stack.snapshot(), "manifest_url": stack.manifest_url("tf-manifest"),
                 "owner": stack.account_id, "other_account": OTHER_ACCOUNT}
    (workdir / "terraform.tfvars.json").write_text(json.dumps(variables))
    env = stack.env(TF_CLI_CONFIG_FILE=cli_config, TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1",
                    TF_INPUT="0")
    terraform = Terraform(workdir, env, variables)
    terraform.run("init", "-no-color")
    yield terraform
    print("terraform timings:", terraform.timings)


@pytest.fixture(scope="module")
def applied(tf, stack):
    tf.run("apply", "-auto-approve", "-no-color")
    return tf.resources()


def test_apply_creates_every_image(applied, tf, stack):
    images = stack.images()
    for name in ("tf-from-snapshot", "tf-from-manifest", "tf-copy"):
        assert name in images, images
    assert applied["aws_ami.from_snapshot"]["id"] == images["tf-from-snapshot"]
    assert applied["aws_ami.from_manifest"]["id"] == images["tf-from-manifest"]
    assert applied["aws_ami_copy.copy"]["id"] == images["tf-copy"]
    # What was registered is what Terraform reads back (a difference would replace the image).
    snap = applied["aws_ami.from_snapshot"]
    assert (snap["description"], snap["sriov_net_support"], snap["ena_support"], snap["boot_mode"]) == \
        ("registered by terraform", "simple", False, "")
    assert applied["aws_ami.from_manifest"]["image_location"] == tf.vars["manifest_url"]
    assert stack.tags_of(images["tf-from-snapshot"]) == {"stage": "one", "app": "tf"}
    # The launch permission is on OUTSCALE.
    image = stack.emulator.cloud.images[images["tf-from-snapshot"]]
    assert OTHER_ACCOUNT in image.launch_accounts
    # data "aws_ami" with owners, filters and most_recent: the copy is the newest tf-* image.
    outputs = tf.outputs()
    assert (outputs["latest_id"], outputs["latest_name"]) == (images["tf-copy"], "tf-copy")


def test_replan_has_no_changes(applied, tf):
    done = tf.run("plan", "-detailed-exitcode", "-no-color", ok=(0, 2))
    assert done.returncode == 0, f"drift after apply:\n{done.stdout[-6000:]}"


def test_a_tag_change_is_applied_in_place(applied, tf, stack):
    # plan -json: one "planned_change" message per resource that would change, with its action.
    plan = tf.run("plan", "-json", "-detailed-exitcode", "-var", "stage=two", "-out", "stage-two.plan", ok=(2,))
    changes = [json.loads(line)["change"] for line in plan.stdout.splitlines()
               if line.strip() and json.loads(line).get("type") == "planned_change"]
    # (The data source depends on the changing images, so it is read again at apply.)
    actions = {c["resource"]["addr"]: c["action"] for c in changes if c["resource"]["resource_type"] != "aws_ami"
               or not c["resource"]["addr"].startswith("data.")}
    assert actions == {"aws_ami.from_snapshot": "update", "aws_ami.from_manifest": "update",
                       "aws_ami_copy.copy": "update"}, actions
    tf.run("apply", "-no-color", "stage-two.plan")  # the plan just checked (no second refresh)
    images = stack.images()
    assert images["tf-from-snapshot"] == applied["aws_ami.from_snapshot"]["id"]  # not replaced
    assert stack.tags_of(images["tf-from-snapshot"]) == {"stage": "two", "app": "tf"}
    assert stack.tags_of(images["tf-copy"]) == {"stage": "two"}
    done = tf.run("plan", "-detailed-exitcode", "-no-color", "-var", "stage=two", ok=(0, 2))
    assert done.returncode == 0, f"drift after the tag change:\n{done.stdout[-6000:]}"


@pytest.fixture(scope="module")
def destroyed(applied, tf):
    """The destroy's run (the copy's snapshots are deleted through OAPI: one world)."""
    # -refresh=false: the state was just refreshed by the last plan; a destroy needs no second reading.
    return tf.run("destroy", "-auto-approve", "-no-color", "-refresh=false", "-var", "stage=two", ok=(0, 1))


def test_destroy_deregisters_every_image(destroyed, applied, tf, stack):
    left = {name: i for name, i in stack.images().items() if name.startswith("tf-")}
    assert left == {}, f"left behind: {left}"
    assert tf.resources() == {}
    # The launch permission went first; the images registered from a snapshot keep their snapshot
    # (aws_ami does not manage it), as on EC2.
    assert tf.vars["snapshot_id"] in stack.emulator.cloud.snapshots


def test_destroy_removes_the_copys_snapshots_and_exits_0(destroyed, applied, stack):
    first = destroyed
    copied = [b["snapshot_id"] for b in applied["aws_ami_copy.copy"]["ebs_block_device"]]
    assert copied and not [s for s in copied if s in stack.emulator.cloud.snapshots]
    assert first.returncode == 0, first.stderr[-3000:]
