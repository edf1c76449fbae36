"""The cross-region copy plan, step by step (pure: no I/O), and the progress reporter."""

from __future__ import annotations

import io

import pytest

from osc_shim.errors import Ec2Error
from osc_shim.operations import copy_across_regions as plan
from osc_shim.operations.create_copy_deregister import check_copy
from osc_shim.progress import Reporter

PARAMS = {"SourceImageId": "ami-12345678", "SourceRegion": "eu-west-2", "Name": "copy", "ClientToken": "t"}


def _steps(answers, params=PARAMS, options=None):
    """Drive the plan with ``answers`` (action -> answer); the steps it made."""
    gen = plan.pipeline(dict(params), "us-east-2", options or plan.Options(transfer_bucket="b"), check_copy)
    seen, answer = [], None
    try:
        while True:
            step = gen.send(answer)
            seen.append(step)
            key = getattr(step, "action", type(step).__name__)
            answer = answers[key](step) if callable(answers.get(key)) else answers.get(key)
    except StopIteration as done:
        return seen, done.value


def test_a_finished_export_is_reused_and_no_second_export_is_started():
    prefix = plan.prefix_of(plan.job_of(PARAMS, "us-east-2"))
    done_task = {"TaskId": "image-export-1", "ImageId": "ami-12345678", "State": "completed",
                 "OsuExport": {"OsuBucket": "b", "OsuPrefix": prefix,
                               "OsuManifestUrl": f"https://oos.eu-west-2.outscale.com/b/{prefix}m.json?x=1"}}
    reads = {"n": 0}

    def read_images(step):
        reads["n"] += 1
        if "ImageIds" in step.body["Filters"]:
            return {"Images": [{"ImageId": "ami-new", "State": "available"}]}
        return {"Images": []}

    steps, result = _steps({"ReadImages": read_images, "ReadImageExportTasks": {"ImageExportTasks": [done_task]},
                            "Presign": "https://signed", "CreateImage": {"Image": {"ImageId": "ami-new"}}})
    actions = [getattr(s, "action", type(s).__name__) for s in steps]
    assert "CreateImageExportTask" not in actions and actions.count("CreateImage") == 1
    presign = next(s for s in steps if isinstance(s, plan.Presign))
    assert (presign.region, presign.bucket, presign.key) == ("eu-west-2", "b", f"{prefix}m.json")
    assert presign.expires_in == 7 * 24 * 3600
    create = next(s for s in steps if getattr(s, "action", "") == "CreateImage")
    assert create.region == "us-east-2" and create.body == {"FileLocation": "https://signed", "ImageName": "copy"}
    tags = next(s for s in steps if getattr(s, "action", "") == "CreateTags").body["Tags"]
    assert {"Key": plan.TOKEN_TAG, "Value": "t"} in tags
    assert isinstance(steps[-2], plan.DeleteObjects) and steps[-2].keys == (prefix,)
    assert result == {"ImageId": "ami-new"}


def test_the_image_an_earlier_run_made_is_answered_without_exporting():
    found = {"Images": [{"ImageId": "ami-old", "State": "available"}]}
    steps, result = _steps({"ReadImages": found}, options=plan.Options(transfer_bucket="b", keep_transfer_objects=True))
    assert result == {"ImageId": "ami-old"}
    assert not any(getattr(s, "action", "").startswith("Create") for s in steps)
    assert not any(isinstance(s, plan.DeleteObjects) for s in steps)


def test_missing_bucket_and_failed_export():
    with pytest.raises(Ec2Error) as e:
        _steps({}, options=plan.Options())
    assert e.value.code == "MissingParameter" and "OSC_TRANSFER_BUCKET" in e.value.message
    failed = {"TaskId": "image-export-2", "State": "failed", "Comment": "disk error", "OsuExport": {}}
    with pytest.raises(Ec2Error) as e:
        _steps({"ReadImages": {"Images": []}, "ReadImageExportTasks": {"ImageExportTasks": []},
                "CreateImageExportTask": {"ImageExportTask": failed}})
    assert e.value.code == "IncorrectState" and "disk error" in e.value.message


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise():
    plain, tty = io.StringIO(), _Tty()
    for stream in (plain, tty):
        report = Reporter(stream)
        report("exporting", 0, "image-export-1")
        report("exporting", 0, "image-export-1")
        report("done", 100, "ami-1")
    assert plain.getvalue() == "copy-image: exporting 0% image-export-1\ncopy-image: done 100% ami-1\n"
    assert tty.getvalue().startswith("\r[") and "#" * 30 in tty.getvalue() and tty.getvalue().endswith("\n")
