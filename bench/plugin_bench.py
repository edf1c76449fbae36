"""Benchmark of the CLI path (issue 2): plugin load cost, `aws --version` ratio,
one translation's cost, and an end-to-end `aws ec2 register-image` on the emulator.

Run with `make bench` (or `.venv/bin/python bench/plugin_bench.py`); prints figures.
Everything runs on loopback against the embedded emulator, with temporary config files.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
AWS = str(BIN / "aws")


def _env(tmp: Path, plugin: bool, **extra) -> dict:
    config = tmp / ("config-plugin" if plugin else "config-plain")
    if not config.exists():
        config.write_text("[default]\nregion = eu-west-2\n" +
                          ("[plugins]\noutscale = awscli_plugin_outscale\n" if plugin else ""))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OSC_"))}
    env.update(HOME=str(tmp), AWS_CONFIG_FILE=str(config),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp / "credentials"), **extra)
    return env


def compile_plugin() -> None:
    """Byte-compile the plugin as an install does (this machine sets PYTHONDONTWRITEBYTECODE,
    which would otherwise make every import recompile the source)."""
    import awscli_plugin_outscale

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(awscli_plugin_outscale.__file__).parent)],
                   check=True)


def plugin_load_cost(rounds: int = 200) -> float:
    """Median ms to import the plugin and run awscli_initialize, measured inside a CLI-like process."""
    code = f"""
import importlib, statistics, sys, time
import awscli.clidriver  # the aws process has this loaded before plugins
from botocore.hooks import HierarchicalEmitter
samples = []
for _ in range({rounds}):
    for m in [m for m in sys.modules if m.startswith("awscli_plugin_outscale")]:
        del sys.modules[m]
    t = time.perf_counter()
    mod = importlib.import_module("awscli_plugin_outscale")
    mod.awscli_initialize(HierarchicalEmitter())
    samples.append(time.perf_counter() - t)
print(statistics.median(samples) * 1000)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def version_ratio(tmp: Path, pairs: int = 15) -> tuple:
    """`aws --version` with and without the plugin, run in alternating pairs."""
    ratios, with_p, without_p = [], [], []
    for _ in range(pairs):
        times = {}
        for plugin in (False, True):
            t = time.perf_counter()
            subprocess.run([AWS, "--version"], env=_env(tmp, plugin), capture_output=True, check=True)
            times[plugin] = time.perf_counter() - t
        with_p.append(times[True])
        without_p.append(times[False])
        ratios.append(times[True] / times[False])
    return statistics.median(ratios), statistics.median(with_p) * 1000, statistics.median(without_p) * 1000


def translation_cost(rounds: int = 2000) -> float:
    from osc_shim.operations.engine import Context, drive
    from osc_shim.operations.register_image import register_image

    params = {"Name": "bench image", "Description": "d", "RootDeviceName": "/dev/sda1", "Architecture": "x86_64",
              "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": "snap-12345678", "VolumeSize": 10}}],
              "TagSpecifications": [{"ResourceType": "image", "Tags": [{"Key": "k", "Value": "v"}]}]}
    answer = {"Image": {"ImageId": "ami-12345678"}}
    ctx = Context("eu-west-2")
    t = time.perf_counter()
    for _ in range(rounds):
        drive(register_image(params, ctx), lambda call: answer)
    return (time.perf_counter() - t) / rounds * 1e6


def end_to_end(tmp: Path, rounds: int = 5) -> tuple:
    from osc_emulator.server import start_emulator
    from osc_emulator import seeding

    samples = []
    with start_emulator() as emu:
        creds = tmp / "credentials"
        creds.write_text(f"[default]\naws_access_key_id = {emu.access_key}\naws_secret_access_key = {emu.secret_key}\n")
        for i in range(rounds):
            url = seeding.seed_manifest(emu, f"bench-{i}")
            env = _env(tmp, True, OSC_ENDPOINT_API=emu.api_url)
            t = time.perf_counter()
            subprocess.run([AWS, "ec2", "register-image", "--name", f"bench image {i}", "--image-location", url,
                            "--endpoint", "https://fcu.eu-west-2.outscale.com"], env=env, capture_output=True, check=True)
            samples.append(time.perf_counter() - t)
        t = time.perf_counter()
        for _ in range(rounds):
            subprocess.run([AWS, "--version"], env=_env(tmp, True), capture_output=True, check=True)
        baseline = (time.perf_counter() - t) / rounds
    return statistics.median(samples) * 1000, baseline * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        print(f"# CLI path benchmark, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, python {sys.version.split()[0]}")
        compile_plugin()
        print(f"plugin load cost inside aws (import + awscli_initialize), median: {plugin_load_cost():.3f} ms (goal <= 5 ms)")
        ratio, w, wo = version_ratio(tmp)
        print(f"aws --version with/without plugin, paired median ratio: {ratio:.3f} (goal <= 1.02); "
              f"medians {w:.0f} ms / {wo:.0f} ms")
        print(f"one RegisterImage translation (snapshot mode + tags): {translation_cost():.1f} us")
        e2e, base = end_to_end(tmp)
        print(f"aws ec2 register-image end to end on the emulator, median: {e2e:.0f} ms "
              f"(aws --version alone: {base:.0f} ms)")


if __name__ == "__main__":
    main()
