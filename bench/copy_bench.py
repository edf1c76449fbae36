"""Benchmark of `aws ec2 copy-image --source-region eu-west-2 --region us-east-2` on the emulator (issue 13):
the whole command (aws start-up, export, pre-sign, import, wait, clean-up), side by side with the
same-region copy (one OAPI CreateImage) in the same run.

Run with `.venv/bin/python bench/copy_bench.py` (also from `bench/run.py`); prints figures.  The emulator
finishes an export after 2 reads and an image after 1; OSC_SHIM_POLL_SECONDS=0 so the figure is the
pipeline's own cost, not the pause between two looks (5 s by default against OUTSCALE).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
AWS = str(BIN / "aws")
AK, SK, ACCOUNT = "AKBENCH000000000001", "bench-secret", "123456789012"


def _source(emu, i):
    snap = emu.cloud.add_snapshot(ACCOUNT, 10, "root")
    return emu.cloud.add_image(account_id=ACCOUNT, name=f"bench-{i}", architecture="x86_64", state="available",
                               block_device_mappings=[{"DeviceName": "/dev/sda1", "Bsu": {
                                   "DeleteOnVmDeletion": True, "SnapshotId": snap.snapshot_id, "VolumeSize": 10,
                                   "VolumeType": "standard"}}]).image_id


def main(rounds: int = 5) -> None:
    from osc_emulator import start_emulator

    emu = start_emulator(accounts={AK: (SK, ACCOUNT)})
    emu.cloud.create_bucket("transfer")
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config"
        config.write_text("[default]\noutscale = true\nregion = eu-west-2\noutscale_transfer_bucket = transfer\n"
                          "[plugins]\noutscale = awscli_plugin_outscale\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OSC_"))}
        env.update(HOME=tmp, AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(Path(tmp) / "c"),
                   AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK, OSC_ENDPOINT_API=emu.api_url_template,
                   OSC_ENDPOINT_OOS=emu.url + "/oos/{region}", OSC_SHIM_POLL_SECONDS="0")
        across, within = [], []
        for i in range(rounds):
            for region, times in (("us-east-2", across), ("eu-west-2", within)):
                source = _source(emu, f"{region}-{i}")
                started = time.perf_counter()
                subprocess.run([AWS, "ec2", "copy-image", "--source-region", "eu-west-2", "--region", region,
                                "--source-image-id", source, "--name", f"copy-{i}"], env=env, check=True,
                               capture_output=True)
                times.append(time.perf_counter() - started)
    emu.stop()
    a, w = statistics.median(across) * 1000, statistics.median(within) * 1000
    print(f"copy-image eu-west-2 -> us-east-2, whole command, median of {rounds}: {a:.0f} ms")
    print(f"copy-image within eu-west-2 (direct OAPI copy), median of {rounds}: {w:.0f} ms")
    print(f"ratio across / within: {a / w:.2f}")


if __name__ == "__main__":
    main()
