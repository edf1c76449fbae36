"""A real distribution: ``python -m build`` makes an sdist and a wheel; the wheel, installed into a
fresh venv holding only ``awscli`` v1, works the way the README says.

The venv (shared fixture ``wheel_venv``) sees only what pip installed into it: no PYTHONPATH,
no working tree. The emulator runs in this process (the tree's code), on loopback.
"""

import json
import os
import tarfile
import zipfile

import pytest

from support.fresh_venv import env_without_tree, run

pytest.importorskip("osc_emulator")

# README.md, "Use it with your account": the documentation's command, with what an account supplies.
BDM = '[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 10, "VolumeType": "standard"}}]'


def test_build_makes_sdist_and_wheel(built_dist):
    with zipfile.ZipFile(built_dist["wheel"]) as whl:
        names = whl.namelist()
        metadata = whl.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = whl.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "awscli_plugin_outscale/__init__.py" in names and "osc_shim/cli/__init__.py" in names
    assert "osc_emulator/schema.py" in names and not any(n.startswith("tests/") for n in names)
    assert "osc-shim = osc_shim.cli:main" in entry_points
    for extra in ("emulator", "gateway", "cli", "test"):
        assert f"Provides-Extra: {extra}" in metadata
    assert "Requires-Dist: botocore" in metadata and "Requires-Dist: click" in metadata
    with tarfile.open(built_dist["sdist"]) as sdist:
        members = sdist.getnames()
    root = members[0].split("/")[0]
    assert {f"{root}/pyproject.toml", f"{root}/README.md", f"{root}/plugin/awscli_plugin_outscale/__init__.py"} <= set(members)


def test_wheel_in_a_fresh_awscli_venv_runs_the_documented_register_image(wheel_venv, tmp_path, record_property):
    from osc_emulator import seeding, start_emulator
    from osc_emulator.models import DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY

    record_property("wheel_venv_seconds", round(wheel_venv.seconds, 1))
    env = env_without_tree(tmp_path, PATH=os.pathsep.join([str(wheel_venv.root / "bin"), "/usr/bin", "/bin"]))
    where = run([wheel_venv.python, "-c", "import awscli_plugin_outscale, osc_shim; print(awscli_plugin_outscale.__file__)"],
                env).stdout
    assert where.startswith(str(wheel_venv.root)), where  # the wheel's copy, not the tree
    # enable the plugin the documented way (README): osc-shim configure, then the keys
    run([wheel_venv.bin("osc-shim"), "configure", "--profile", "osc", "--region", "eu-west-2"], env)
    run([wheel_venv.aws, "configure", "set", "aws_access_key_id", DEFAULT_ACCESS_KEY, "--profile", "osc"], env)
    run([wheel_venv.aws, "configure", "set", "aws_secret_access_key", DEFAULT_SECRET_KEY, "--profile", "osc"], env)
    emu = start_emulator()
    try:
        emu.cloud.create_bucket("bucket")
        url = seeding.seed_manifest(emu, "Test Image", bucket="bucket", key="object")
        done = run([wheel_venv.aws, "ec2", "register-image", "--profile", "osc", "--name", "Test Image",
                    "--description", "Test", "--architecture", "x86_64", "--image-location", url,
                    "--root-device-name", "/dev/sda1", "--block-device-mapping", BDM,
                    "--endpoint", "https://fcu.eu-west-2.outscale.com"], dict(env, OSC_ENDPOINT_API=emu.api_url))
        image_id = json.loads(done.stdout)["ImageId"]
        assert image_id.startswith("ami-")
        assert [i.name for i in emu.cloud.images.values() if i.image_id == image_id] == ["Test Image"]
    finally:
        emu.stop()
