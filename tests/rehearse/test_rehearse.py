"""``osc-shim rehearse``: a migrated script, unchanged, against one offline OUTSCALE.

The image pipeline of ``image_pipeline.sh`` runs with the real ``aws`` v1 binary and the plugin, the one of
``image_pipeline.py`` with boto3 through the gateway; both start instances on the FCU face and image them on
OAPI, in the same emulated cloud.  The caller's HOME holds an ``~/.aws`` that must stay untouched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.sandbox_env import AWS_V1, BIN, clean_env

HERE = Path(__file__).parent
USER_CONFIG = "[default]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9\n"


@pytest.fixture
def rehearse(tmp_path):
    if not AWS_V1.exists():
        pytest.skip(f"no aws binary next to {sys.executable}")
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(USER_CONFIG)  # would break every call if it were read
    env = clean_env(home, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                    AWS_PROFILE="users-own", OSC_ENDPOINT_API="http://127.0.0.1:9/api/v1")

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-c", "from osc_shim.cli import main; main()", "rehearse", *args],
                              env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path)
        assert "Traceback" not in done.stderr, done.stderr
        assert (home / ".aws" / "config").read_text() == USER_CONFIG
        assert sorted(p.name for p in (home / ".aws").iterdir()) == ["config"] and not (home / ".osc").exists()
        return done

    return run


def _summary(stderr: str) -> dict:
    lines = {}
    for line in stderr.splitlines():
        key, _, rest = line.strip().partition(": ")
        if key.startswith(("OAPI calls", "FCU calls", "errors")):
            lines[key.split(" (")[0]] = rest
    return lines


def test_the_shell_pipeline_runs_unchanged_with_the_aws_cli(rehearse):
    done = rehearse("--", "sh", str(HERE / "image_pipeline.sh"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "pipeline done: ami-" in done.stdout and "snapshots left: 0" in done.stdout
    assert "210987654321" in done.stdout  # the launch permission read back
    summary = _summary(done.stderr)
    assert "RunInstances x1" in summary["FCU calls"] and "TerminateInstances x1" in summary["FCU calls"]
    assert "CreateImage x2" in summary["OAPI calls"] and "DeleteSnapshot x3" in summary["OAPI calls"]
    assert summary["errors"] == "none"


def test_the_boto3_pipeline_runs_unchanged_through_the_gateway(rehearse):
    done = rehearse("--", sys.executable, str(HERE / "image_pipeline.py"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "snapshots left: 0" in done.stdout
    summary = _summary(done.stderr)
    assert "RunInstances x1" in summary["FCU calls"] and "ReadTags x1" in summary["OAPI calls"]
    assert summary["errors"] == "none"


def test_status_errors_buckets_and_seed(rehearse, tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"buckets": ["from-seed"], "snapshots": [{"VolumeSize": 3, "Description": "seeded"}]}))
    probe = ("import json, os, urllib.request; base = os.environ['OSC_ENDPOINT_API'].rsplit('/api/', 1)[0]; "
             "print(json.dumps(json.load(urllib.request.urlopen(base + '/_emulator/state'))['Buckets']))")
    done = rehearse("--bucket", "exports", "--seed", str(seed), "--", "sh", "-c",
                    f"{sys.executable} -c \"{probe}\"; "
                    "aws ec2 describe-snapshots --owner-ids self --query 'Snapshots[].Description' --output text; "
                    "aws ec2 describe-vpcs || exit 3")
    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout.splitlines()[0]) == ["exports", "from-seed"]
    assert done.stdout.splitlines()[1] == "seeded"
    assert _summary(done.stderr)["errors"] == "DescribeVpcs UnsupportedOperation x1"
    missing = rehearse("--", "no-such-program-here")
    assert missing.returncode == 127 and "cannot run 'no-such-program-here'" in missing.stderr


def test_terraform_ami_copy_and_snapshot_copy_leave_nothing_behind(rehearse, tmp_path):
    """Terraform's aws_ami_copy destroy deletes the copy's snapshots: once through FCU (InvalidSnapshot.NotFound,
    an image left behind), now through OAPI in the same cloud.  One apply, one plan (no drift), one destroy."""
    import shutil

    terraform = shutil.which("terraform")
    mirror = Path("/opt/tf-plugins")
    if terraform is None or not mirror.is_dir():
        pytest.skip("terraform or its provider mirror (/opt/tf-plugins) is not installed")
    work = tmp_path / "tf"
    shutil.copytree(HERE / "terraform", work)
    (work / "cli.tfrc").write_text(f'provider_installation {{\n  filesystem_mirror {{ path = "{mirror}" }}\n'
                                   '  direct { exclude = ["*/*"] }\n}\n')
    probe = ("import json, os, urllib.request; base = os.environ['OSC_ENDPOINT_API'].rsplit('/api/', 1)[0]; "
             "s = json.load(urllib.request.urlopen(base + '/_emulator/state')); "
             "print('LEFT', sorted(i['ImageId'] for i in s['Images']), sorted(x['SnapshotId'] for x in s['Snapshots']))")
    script = (f"cd {work} && export TF_CLI_CONFIG_FILE={work}/cli.tfrc TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 && "
              "terraform init -input=false -no-color >/dev/null && "
              "terraform apply -auto-approve -input=false -no-color && "
              "terraform plan -detailed-exitcode -input=false -no-color && "
              "terraform destroy -auto-approve -input=false -no-color && "
              f"{sys.executable} -c \"{probe}\"")
    done = rehearse("--seed", str(work / "seed.json"), "--", "sh", "-c", script)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Apply complete! Resources: 2 added" in done.stdout and "No changes." in done.stdout
    assert "Destroy complete! Resources: 2 destroyed." in done.stdout
    # only what was seeded is left (OUTSCALE's public image and its snapshot, the source image and its snapshot)
    assert "LEFT ['ami-0b0c0a01', 'ami-1a2b3c4d'] ['snap-0b0c0a01', 'snap-1a2b3c4d']" in done.stdout
    assert "DeleteSnapshot x2" in _summary(done.stderr)["OAPI calls"]
