"""Real clients nobody on this project wrote (Terraform, the AWS SDK for JavaScript, Ansible, AWS CLI v2,
boto3), driven unchanged against the gateway, with the OAPI emulator behind it and the emulator's FCU face
as FCU (one world: what OAPI holds, FCU sees).

One stack per test module: the slow clients share one set-up (one apply, one playbook) for many checks.
The test process is sandboxed as every subprocess is (``sandbox_env``): no real ~/.aws or ~/.osc.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from support.gateway_stack import REGION, RunningGateway, serve_gateway
from support.emulator_process import emulators
from support.sandbox_env import clean_env, isolate_process



@dataclass
class Stack:
    emulator: object
    gateway: RunningGateway
    home: Path

    @property
    def url(self) -> str:
        return self.gateway.url

    @property
    def account_id(self) -> str:
        return self.emulator.cloud.default_account.account_id

    def env(self, **extra) -> dict:
        """A subprocess environment that reaches the gateway with the emulator's credentials, nothing else."""
        return clean_env(self.home, AWS_ACCESS_KEY_ID=self.emulator.access_key,
                         AWS_SECRET_ACCESS_KEY=self.emulator.secret_key, AWS_DEFAULT_REGION=REGION,
                         AWS_REGION=REGION, **extra)

    def ec2(self):
        """boto3 through the gateway."""
        return self.gateway.client(access_key=self.emulator.access_key, secret_key=self.emulator.secret_key)

    def snapshot(self, size: int = 10) -> str:
        """A snapshot of the caller's in the emulator (what the images are registered from)."""
        return self.emulator.cloud.add_snapshot(self.account_id, size, "client tests").snapshot_id

    def manifest_url(self, name: str) -> str:
        """The pre-signed URL of an export manifest in the emulator's OOS (RegisterImage's bucket mode)."""
        cloud = self.emulator.cloud
        cloud.create_bucket("clients")
        return self.emulator.put_manifest("clients", f"{name}.json", {
            "Version": 1, "Image": {"Name": name, "Architecture": "x86_64", "Type": "machine", "Snapshots": [{
                "Device": "/dev/sda1", "Size": 10 * 2 ** 30, "VolumeType": "standard", "DeleteOnTermination": True,
                "Filename": f"{name}.qcow2.gz", "PreSignedUrl": cloud.presign("clients", f"{name}.qcow2.gz")}]}})

    def images(self) -> dict:
        """What the emulator holds now: image name -> image ID (the caller's images)."""
        return {i.name: i.image_id for i in self.emulator.cloud.images.values() if i.account_id == self.account_id}

    def tags_of(self, resource_id: str) -> dict:
        return dict(self.emulator.cloud.tags.get(resource_id, {}))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp, emulators() as start_emulator:
        home = isolate_process(mp, tmp_path_factory.mktemp("clients-home"))
        emulator = start_emulator(region=REGION)
        mp.setenv("OSC_ENDPOINT_API", emulator.api_url)  # the shim core reads it at each call
        # One OUTSCALE world: untranslated EC2 actions go to the emulator's FCU face, over the same state.
        gateway = serve_gateway(access_key=emulator.access_key, secret_key=emulator.secret_key, region=REGION,
                                fcu_endpoint=emulator.fcu_url, threads=8)
        try:
            yield Stack(emulator, gateway, home)
        finally:
            gateway.stop()
    assert gateway.app.problems == [], "answers botocore cannot parse for their operation"
