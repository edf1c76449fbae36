"""Fixtures for the image-lifecycle tests.

- ``emu``: the shim's OAPI emulator (support/emulator_process.py) on loopback, two accounts (ours and another one to
  share images with), images pending for one read.
- ``aws``: the real ``aws`` v1 binary with the plugin, in a sandbox (temporary HOME,
  AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE; none of the caller's AWS_*/OSC_* variables),
  a profile marked ``outscale = true`` and ``OSC_ENDPOINT_API`` pointing at the emulator.
  ``aws(*args)`` returns the CompletedProcess; ``aws.json(*args)`` the parsed stdout.
- ``isolated_aws_env``: the same isolation for in-process code (``osc-shim translate``).
"""

from __future__ import annotations

import pytest
from support.emulator_process import emulator_fixture
from support.sandbox_env import isolate_process

from lifecycle_env import ACCESS_KEY, ACCOUNT, BUCKET, OTHER_ACCOUNT, OTHER_KEY, OTHER_SECRET, SECRET_KEY, Aws


emu = emulator_fixture("module", accounts={ACCESS_KEY: (SECRET_KEY, ACCOUNT), OTHER_KEY: (OTHER_SECRET, OTHER_ACCOUNT)},
                       pending_reads=1, export_reads=2, buckets=[BUCKET])


@pytest.fixture(scope="module")
def aws(aws_binary, emu, tmp_path_factory) -> Aws:
    return Aws(tmp_path_factory.mktemp("aws-home"), emu.api_url)


@pytest.fixture(scope="module")
def vm_id(emu) -> str:
    from osc_emulator import default_vm_id

    return default_vm_id(ACCOUNT)


@pytest.fixture(scope="module")
def snapshot_image(emu):
    """Register-image from a snapshot, straight in the emulator: (image id, snapshot id), available."""
    def make(name: str, **extra):
        snap = emu.cloud.add_snapshot(ACCOUNT, 10, "root")
        seeded = emu.cloud.seed({"images": [dict({
            "ImageName": name, "State": "available", "Architecture": "x86_64",
            "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {
                "SnapshotId": snap.snapshot_id, "VolumeSize": 10, "VolumeType": "standard",
                "DeleteOnVmDeletion": True}}]}, **extra)]})
        return seeded["Images"][0], snap.snapshot_id
    return make


@pytest.fixture
def isolated_aws_env(tmp_path, monkeypatch):
    """This process's environment without the caller's AWS/OSC settings (temporary HOME)."""
    isolate_process(monkeypatch, tmp_path)
    (tmp_path / "aws-config").write_text("")
    return tmp_path
