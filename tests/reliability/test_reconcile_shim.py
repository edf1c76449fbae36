"""Every injected fault, through the shim core (what the plugin and the gateway both call).

Invariant (issue 6): afterwards exactly one image exists and the caller has its ID, or a clear
EC2-style error says nothing was created -- never two images, never a hang.
"""

from __future__ import annotations

import pytest

from fault_matrix import CASES, IDEMPOTENT_CALLS, OTHER_CREATES, SHORT, run_case, shim_driver


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_register_image_under_every_fault(emu, fast, case):
    outcome = run_case(emu, "RegisterImage", case, shim_driver(emu))
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("operation", OTHER_CREATES)
@pytest.mark.parametrize("case", SHORT, ids=lambda c: c.label)
def test_other_creates_under_faults(emu, fast, operation, case):
    outcome = run_case(emu, operation, case, shim_driver(emu))
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_register_image_never_takes_an_older_image_of_the_name(emu, fast, case):
    outcome = run_case(emu, "RegisterImage", case, shim_driver(emu), older=True)
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("operation", OTHER_CREATES)
@pytest.mark.parametrize("case", SHORT, ids=lambda c: c.label)
def test_other_creates_never_take_an_older_resource(emu, fast, operation, case):
    outcome = run_case(emu, operation, case, shim_driver(emu), older=True)
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("older", [False, True], ids=["alone", "older of the volume"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_create_snapshot_under_every_fault(emu, fast, case, older):
    """No unique key: the new snapshot or a clear error, never the older one of the same volume and
    description, never two (copies and imports run the short list, with the other creates)."""
    outcome = run_case(emu, "CreateSnapshot", case, shim_driver(emu), older=older)
    assert outcome.problems == [], outcome


@pytest.mark.parametrize("kind", ["http-503", "reset-before", "reset-after", "truncated"])
def test_the_issue_10_case_a_60_s_old_image_from_another_snapshot(emu, fast, kind):
    """Register A (snapshot A), then the name from snapshot B with one fault: EC2's Duplicate, never A's ID."""
    from reliability_env import credentials, images_named, snapshot

    from osc_shim import core
    from osc_shim.errors import Ec2Error

    def register(snap):
        return core.call("RegisterImage", {"Name": f"taken {kind}", "RootDeviceName": "/dev/sda1",
                                              "BlockDeviceMappings": [{"DeviceName": "/dev/sda1",
                                                                       "Ebs": {"SnapshotId": snap}}]},
                            region=emu.region, credentials=credentials())

    first = register(snapshot(emu.cloud))["ImageId"]
    with emu.cloud.lock:
        emu.cloud.images[first].created_at -= 60
    emu.inject(kind, "CreateImage")
    with pytest.raises(Ec2Error) as err:
        register(snapshot(emu.cloud))
    assert err.value.code == "InvalidAMIName.Duplicate", err.value.message
    assert images_named(emu.cloud, f"taken {kind}") == [first]


@pytest.mark.parametrize("operation", IDEMPOTENT_CALLS)
@pytest.mark.parametrize("case", SHORT, ids=lambda c: c.label)
def test_idempotent_calls_under_faults(emu, fast, operation, case):
    outcome = run_case(emu, operation, case, shim_driver(emu))
    assert outcome.problems == [], outcome


def test_the_user_is_told_what_happened(emu, fast):
    from fault_matrix import Case

    warnings = []
    outcome = run_case(emu, "RegisterImage", Case("reset-after", "reset-after"), shim_driver(emu, warnings))
    assert outcome.ok and outcome.problems == []
    assert any("was found" in w and outcome.resource in w for w in warnings), warnings

    warnings.clear()
    outcome = run_case(emu, "RegisterImage", Case("reset-before", "reset-before"), shim_driver(emu, warnings))
    assert outcome.ok and any("sent again" in w for w in warnings), warnings


def test_a_genuine_duplicate_is_still_a_duplicate(emu, fast):
    """An old image with the name: after a lost answer the shim does not pass it off as the new one."""
    from reliability_env import credentials, images_named, snapshot

    from osc_shim import core
    from osc_shim.errors import Ec2Error

    def register(name):
        return core.call("RegisterImage", {"Name": name, "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": [
            {"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snapshot(emu.cloud)}}]}, region=emu.region,
            credentials=credentials())

    old = register("an old name")["ImageId"]
    with emu.cloud.lock:
        emu.cloud.images[old].created_at -= 3600  # made an hour ago
    emu.inject("reset-before", "CreateImage")
    with pytest.raises(Ec2Error) as err:
        register("an old name")
    assert err.value.code == "InvalidAMIName.Duplicate"
    assert images_named(emu.cloud, "an old name") == [old]


def test_an_sdk_retry_reaching_the_shim_finds_the_first_image(emu, fast):
    """The gateway passes retried=True and the SDK's invocation ID for a second attempt: judged against what
    the first attempt saw before sending, a duplicate name then means 'already done'."""
    from reliability_env import credentials, images_named, snapshot

    from osc_shim import core

    params = {"Name": "sdk retried", "RootDeviceName": "/dev/sda1",
              "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snapshot(emu.cloud)}}]}
    client = core.make_client(emu.region, credentials())  # the gateway's one shared client
    first = core.call("RegisterImage", params, region=emu.region, client=client, invocation="inv-1")["ImageId"]
    again = core.call("RegisterImage", params, region=emu.region, client=client, retried=True,
                         invocation="inv-1")
    assert again["ImageId"] == first and images_named(emu.cloud, "sdk retried") == [first]


def test_an_sdk_retry_without_its_first_look_never_takes_a_matching_image(emu, fast):
    """Behaviour changed in issue 10: without proof that the image was not there before (the first attempt
    went through another process), a matching image is not taken; the caller is told what to check."""
    from reliability_env import credentials, images_named, snapshot

    from osc_shim import core
    from osc_shim.errors import Ec2Error

    params = {"Name": "sdk retried elsewhere", "RootDeviceName": "/dev/sda1",
              "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snapshot(emu.cloud)}}]}
    first = core.call("RegisterImage", params, region=emu.region, credentials=credentials())["ImageId"]
    with pytest.raises(Ec2Error) as err:
        core.call("RegisterImage", params, region=emu.region, credentials=credentials(), retried=True,
                     invocation="inv-2")
    assert first in err.value.message and "describe-images" in err.value.message, err.value.message
    # an older image from another snapshot under SDK retries: EC2's Duplicate (the 900 s window takes nothing)
    other = dict(params, BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snapshot(emu.cloud)}}])
    with emu.cloud.lock:
        emu.cloud.images[first].created_at -= 600
    with pytest.raises(Ec2Error) as err:
        core.call("RegisterImage", other, region=emu.region, credentials=credentials(), retried=True)
    assert err.value.code == "InvalidAMIName.Duplicate", err.value.message
    assert images_named(emu.cloud, "sdk retried elsewhere") == [first]


@pytest.mark.parametrize("fault", ["reset-after", "reset-before", "http-500"])
def test_a_snapshot_whose_answer_was_lost_is_made_once(emu, fast, fault):
    from reliability_env import ACCOUNT, credentials

    from osc_shim import core
    from osc_emulator import default_vm_id

    volume = emu.cloud.vms[default_vm_id(ACCOUNT)].volume_ids[0]
    emu.inject(fault, "CreateSnapshot")
    made = core.call("CreateSnapshot", {"VolumeId": volume, "Description": f"lost {fault}"},
                        region=emu.region, credentials=credentials())
    same = [s.snapshot_id for s in emu.cloud.snapshots.values() if s.description == f"lost {fault}"]
    assert same == [made["SnapshotId"]]
    # a delete whose answer is lost after it happened is a success, not InvalidSnapshot.NotFound
    emu.inject("reset-after", "DeleteSnapshot")
    assert core.call("DeleteSnapshot", {"SnapshotId": made["SnapshotId"]}, region=emu.region,
                        credentials=credentials()) == {}
    assert made["SnapshotId"] not in emu.cloud.snapshots


def test_an_sdk_retry_of_a_snapshot_create_without_its_first_look_makes_no_second_one(emu, fast):
    """No unique key stops a second snapshot: a retry with no proof of what was there before (the first
    attempt went through another process) is not sent when a matching snapshot is recent; the caller is told
    what to check.  With no matching snapshot it is sent (nothing can have been made)."""
    from reliability_env import ACCOUNT, credentials

    from osc_shim import core
    from osc_shim.errors import Ec2Error
    from osc_emulator import default_vm_id

    volume = emu.cloud.vms[default_vm_id(ACCOUNT)].volume_ids[0]
    params = {"VolumeId": volume, "Description": "sdk retried snapshot"}
    first = core.call("CreateSnapshot", params, region=emu.region, credentials=credentials())["SnapshotId"]
    with pytest.raises(Ec2Error) as err:
        core.call("CreateSnapshot", params, region=emu.region, credentials=credentials(), retried=True,
                  invocation="inv-snap")
    assert first in err.value.message and "describe-snapshots" in err.value.message, err.value.message
    assert [s.snapshot_id for s in emu.cloud.snapshots.values() if s.description == params["Description"]] == [first]
    other = dict(params, Description="sdk retried, nothing made yet")
    made = core.call("CreateSnapshot", other, region=emu.region, credentials=credentials(), retried=True,
                     invocation="inv-snap-2")["SnapshotId"]
    assert [s.snapshot_id for s in emu.cloud.snapshots.values() if s.description == other["Description"]] == [made]
