"""DescribeSnapshots for a front end that writes EC2's answer itself (the gateway: ``Context.deferred``)."""

from __future__ import annotations

import pytest

from osc_shim.operations.conversion import Unconverted

from lifecycle_fakes import ACCOUNT, OTHER, Fake

SNAPSHOTS = [
    {"SnapshotId": "snap-00000001", "VolumeId": "vol-00000001", "State": "completed", "Progress": 100,
     "AccountId": ACCOUNT, "VolumeSize": 10, "CreationDate": "2026-11-27T10:00:00.000Z",
     "Tags": [{"Key": "Env", "Value": "prod"}], "PermissionsToCreateVolume": {"GlobalPermission": False}},
    {"SnapshotId": "snap-00000002", "State": "pending", "Progress": 40, "AccountId": OTHER, "VolumeSize": 20,
     "Description": "copy", "CreationDate": "2026-11-28T10:00:00.000Z",
     "PermissionsToCreateVolume": {"GlobalPermission": True}},
]


@pytest.mark.parametrize("params", [
    {}, {"OwnerIds": ["self"]}, {"OwnerIds": [OTHER]}, {"RestorableByUserIds": ["all"]},
    {"Filters": [{"Name": "tag:Env", "Values": ["prod"]}]}, {"Filters": [{"Name": "status", "Values": ["pending"]}]},
    {"SnapshotIds": ["snap-00000001", "snap-00000002"], "Filters": [{"Name": "volume-size", "Values": ["20"]}]},
])
def test_the_same_snapshots_handed_over_unconverted(params):
    def fake():
        return Fake({"ReadSnapshots": {"Snapshots": SNAPSHOTS}, "ReadAccounts": {"Accounts": [{"AccountId": ACCOUNT}]}})

    usual = fake().run("DescribeSnapshots", params)
    deferred = fake().run("DescribeSnapshots", params, deferred=True)
    assert isinstance(deferred["Snapshots"], Unconverted) and isinstance(usual["Snapshots"], list)
    assert deferred["Snapshots"].converted() == usual["Snapshots"]
    assert {k: v for k, v in deferred.items() if k != "Snapshots"} == {k: v for k, v in usual.items() if k != "Snapshots"}
