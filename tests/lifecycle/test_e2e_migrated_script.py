"""A whole AWS-habit shell script, unchanged, through the plugin onto the OUTSCALE API (emulated).

register -> wait image-available -> tag -> share -> describe with filters -> copy -> export ->
describe-export-image-tasks -> deregister, the way such scripts are written (``--query`` and
``--output text`` to capture IDs, ``set -e``).  The waiter polls once: the new image reads
``pending`` first (EC2's behaviour), then ``available`` 15 s later (botocore's waiter delay).
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from lifecycle_env import ACCOUNT, BUCKET, OTHER_ACCOUNT

SCRIPT = r"""
set -euo pipefail
IMAGE_ID=$(aws ec2 register-image --name "nightly build 42" --description "nightly" \
    --image-location "$MANIFEST_URL" --query ImageId --output text)
echo "registered $IMAGE_ID"
aws ec2 wait image-available --image-ids "$IMAGE_ID"
echo "state $(aws ec2 describe-images --image-ids "$IMAGE_ID" --query 'Images[0].State' --output text)"
aws ec2 create-tags --resources "$IMAGE_ID" --tags Key=Stage,Value=nightly Key=Build,Value=42
aws ec2 modify-image-attribute --image-id "$IMAGE_ID" --launch-permission "Add=[{UserId=$SHARE_WITH}]"
FOUND=$(aws ec2 describe-images --owners self \
    --filters "Name=name,Values=nightly build *" "Name=tag:Stage,Values=nightly" "Name=state,Values=available" \
    --query 'Images[].ImageId' --output text)
echo "found $FOUND"
COPY_ID=$(aws ec2 copy-image --source-image-id "$IMAGE_ID" --source-region eu-west-2 \
    --name "nightly build 42 copy" --query ImageId --output text)
echo "copied $COPY_ID"
TASK_ID=$(aws ec2 export-image --image-id "$IMAGE_ID" --disk-image-format RAW \
    --s3-export-location S3Bucket=$BUCKET,S3Prefix=nightly/ --query ExportImageTaskId --output text)
echo "exporting $TASK_ID"
for i in 1 2 3 4 5; do
  STATUS=$(aws ec2 describe-export-image-tasks --export-image-task-ids "$TASK_ID" \
      --query 'ExportImageTasks[0].Status' --output text)
  [ "$STATUS" = completed ] && break
done
echo "export $STATUS"
aws ec2 deregister-image --image-id "$COPY_ID" > /dev/null
aws ec2 deregister-image --image-id "$IMAGE_ID" --query Return --output text
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_migrated_script_runs_unchanged(aws, emu):
    from osc_emulator import make_manifest

    location = emu.put_manifest(BUCKET, "imports/nightly.manifest.json",
                                make_manifest("nightly build 42", architecture="x86_64", region=emu.region))
    env = dict(aws.env, MANIFEST_URL=location, SHARE_WITH=OTHER_ACCOUNT, BUCKET=BUCKET,
               PATH=f"{aws.bin_dir}:{aws.env.get('PATH', '')}")
    done = subprocess.run(["bash", "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    lines = dict(line.split(" ", 1) for line in done.stdout.strip().splitlines()[:-1])
    image_id, copy_id, task_id = lines["registered"], lines["copied"], lines["exporting"]
    assert lines["state"] == "available"
    assert lines["found"] == image_id
    assert lines["export"] == "completed"
    assert done.stdout.strip().splitlines()[-1] == "True"
    assert "Traceback" not in done.stderr

    # What the OUTSCALE side saw.
    assert image_id not in emu.cloud.images and copy_id not in emu.cloud.images
    task = emu.cloud.export_tasks[task_id]
    assert (task.image_id, task.disk_format, task.bucket, task.prefix) == (image_id, "raw", BUCKET, "nightly/")
    assert f"nightly/{image_id}.manifest.json" in emu.cloud.buckets[BUCKET]
    assert task.account_id == ACCOUNT
