"""Ansible's amazon.aws collection (PyPI ``ansible``, in the suite's own environment) through the
gateway: ``ec2_ami`` and ``ec2_ami_info`` with ``endpoint_url``, one playbook, every task's registered
result checked here.

Ansible runs in a subprocess with the sandboxed environment and its own home, temp and collection
settings in a temporary directory (nothing written under ~/.ansible).  Tasks keep going on error
(``ignore_errors``) so that one failure does not hide the others; each test below names what it checks.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from clients_env import OTHER_ACCOUNT
from support.sandbox_env import BIN

THIRD_ACCOUNT = "135792468024"
NAME = "ans-image"


def _playbook(stack, snapshot_id: str, out: str) -> list:
    aws = {"endpoint_url": stack.url, "region": "eu-west-2"}
    image = {"image_id": "{{ created.image_id }}", **aws}

    def task(name, module, args, register):
        return {"name": name, module: args, "register": register, "ignore_errors": True}

    tasks = [
        task("register from a snapshot", "amazon.aws.ec2_ami", {
            "name": NAME, "description": "first", "root_device_name": "/dev/sda1",
            "device_mapping": [{"device_name": "/dev/sda1", "snapshot_id": snapshot_id, "volume_size": 10,
                                "delete_on_termination": True}],
            "tags": {"stage": "one", "app": "ansible"}, "launch_permissions": {"user_ids": [OTHER_ACCOUNT]},
            **aws}, "created"),
        task("present again, unchanged", "amazon.aws.ec2_ami", {
            "description": "first", "launch_permissions": {"user_ids": [OTHER_ACCOUNT]}, **image}, "again"),
        task("present again with the same tags", "amazon.aws.ec2_ami", {
            "description": "first", "tags": {"stage": "one", "app": "ansible"}, "purge_tags": False, **image},
            "again_tags"),
        task("find it with filters", "amazon.aws.ec2_ami_info", {
            "owners": [stack.account_id], "filters": {"name": "ans-*", "tag:app": "ansible", "state": "available"},
            **aws}, "found"),
        task("tag purge", "amazon.aws.ec2_ami", {"tags": {"stage": "two"}, "purge_tags": True, **image}, "purged"),
        task("description change", "amazon.aws.ec2_ami", {"description": "second", **image}, "described"),
        task("launch permissions change", "amazon.aws.ec2_ami", {
            "launch_permissions": {"user_ids": [THIRD_ACCOUNT]}, **image}, "shared"),
        task("absent, with wait", "amazon.aws.ec2_ami", {"state": "absent", "wait": True, "wait_timeout": 120,
                                                         **image}, "absent"),
        task("absent again", "amazon.aws.ec2_ami", {"state": "absent", **image}, "absent_again"),
        task("gone from ec2_ami_info", "amazon.aws.ec2_ami_info", {"image_ids": ["{{ created.image_id }}"], **aws},
             "after"),
    ]
    names = [t["register"] for t in tasks]
    tasks.append({"name": "write the results", "ansible.builtin.copy": {
        "dest": out, "content": "{{ {%s} | to_json }}" % ", ".join(f"'{n}': {n}" for n in names)}})
    return [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]


@pytest.fixture(scope="module")
def results(stack, tmp_path_factory):
    playbook_bin = BIN / "ansible-playbook"
    if not playbook_bin.exists():
        pytest.fail(f"{playbook_bin} is missing: install the test extra (pip install '.[test]' brings ansible)")
    work = tmp_path_factory.mktemp("ansible")
    out = work / "results.json"
    book = work / "playbook.yml"
    book.write_text(json.dumps(_playbook(stack, stack.snapshot(), str(out))))  # JSON is YAML
    env = stack.env(ANSIBLE_HOME=work / "home", ANSIBLE_LOCAL_TEMP=work / "tmp", ANSIBLE_REMOTE_TEMP=work / "tmp",
                    ANSIBLE_PYTHON_INTERPRETER=BIN / "python", ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
                    ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
                    ANSIBLE_GALAXY_CACHE_DIR=work / "galaxy", ANSIBLE_CONFIG=work / "none.cfg")
    done = subprocess.run([str(playbook_bin), "-i", "localhost,", str(book)], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600)
    assert out.exists(), f"ansible-playbook exited {done.returncode}:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    return json.loads(out.read_text())


def _ok(result: dict) -> dict:
    assert not result.get("failed"), result.get("msg") or result
    return result


def test_present_registers_tags_and_shares(results, stack):
    created = _ok(results["created"])
    assert created["changed"] is True and created["image_id"].startswith("ami-")
    assert created["description"] == "first" and created["name"] == NAME
    assert created["launch_permissions"] == [{"user_id": OTHER_ACCOUNT}]
    assert created["sriov_net_support"] == "simple" and created["virtualization_type"] == "hvm"


def test_present_again_is_unchanged(results):
    again = _ok(results["again"])
    assert again["changed"] is False, again


def test_present_again_with_the_same_tags_is_unchanged(results):
    assert _ok(results["again_tags"])["changed"] is False


def test_ec2_ami_info_with_filters(results):
    found = _ok(results["found"])["images"]
    assert [i["image_id"] for i in found] == [results["created"]["image_id"]]
    assert found[0]["tags"] == {"stage": "one", "app": "ansible"}


def test_tag_purge(results):
    assert _ok(results["purged"])["tags"] == {"stage": "two"}


def test_description_change(results, stack):
    described = _ok(results["described"])
    assert described["changed"] is True and described["description"] == "second"


def test_launch_permissions_change(results):
    shared = _ok(results["shared"])
    assert shared["changed"] is True and shared["launch_permissions"] == [{"user_id": THIRD_ACCOUNT}]


def test_absent_with_wait_then_absent_again(results, stack):
    assert _ok(results["absent"])["changed"] is True
    assert _ok(results["absent_again"])["changed"] is False
    assert _ok(results["after"])["images"] == []
    assert NAME not in stack.images()
