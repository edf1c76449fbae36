"""Serving: the handle, the /_emulator/ hooks, the command, every answer against the spec."""

import json
import os
import signal
import subprocess
import sys
import urllib.request

from click.testing import CliRunner
from emulator_helpers import snapshot, vm_of

from osc_emulator import make_manifest
from osc_emulator.command import emulator
from osc_emulator.schema import response_problems


def hook(emu, method, path, body=None):
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    req = urllib.request.Request(emu.url + path, data=data, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_handle(make_emulator):
    emu = make_emulator()
    assert emu.url.startswith("http://127.0.0.1:") and emu.api_url == emu.url + "/api/v1"
    with make_emulator(region="us-east-2") as second:
        assert second.region == "us-east-2" and second.port != emu.port
    assert not second._thread.is_alive()
    emu.stop()
    emu.stop()  # twice is harmless


def test_hooks_store_objects_seed_and_dump(emu, api):
    status, body = hook(emu, "PUT", "/_emulator/oos/bucket-1/path/to/disk.img", b"DATA")
    assert status == 200 and "Expires=" in json.loads(body)["PresignedUrl"]
    assert hook(emu, "GET", "/_emulator/oos/bucket-1/path/to/disk.img") == (200, b"DATA")
    assert hook(emu, "GET", "/_emulator/oos/bucket-1/none")[0] == 404
    status, body = hook(emu, "POST", "/_emulator/seed", {
        "snapshots": [{"VolumeSize": 4}], "vms": [{"VmId": "i-0000beef"}],
        "images": [{"ImageName": "seeded", "Tags": [{"Key": "k", "Value": "v"}]}],
        "manifests": [{"Bucket": "exports", "Key": "m.json", "Manifest": make_manifest("from-seed")}]})
    made = json.loads(body)
    assert status == 200 and made["Vms"] == ["i-0000beef"] and len(made["Snapshots"]) == 1
    image = api.ok("CreateImage", {"FileLocation": made["ManifestUrls"][0]})["Image"]
    assert image["ImageName"] == "from-seed"
    state = json.loads(hook(emu, "GET", "/_emulator/state")[1])
    assert {i["ImageName"] for i in state["Images"]} >= {"seeded", "from-seed"}
    assert {"Bucket": "bucket-1", "Key": "path/to/disk.img", "Size": 4} in state["Objects"]
    assert emu.secret_key not in json.dumps(state)
    url = json.loads(hook(emu, "POST", "/_emulator/presign", {"Bucket": "b", "Key": "k", "Style": "v4"})[1])["Url"]
    assert "X-Amz-Expires=" in url
    assert hook(emu, "POST", "/_emulator/seed", b"[]")[0] == 400
    assert hook(emu, "POST", "/_emulator/reset")[0] == 200
    assert emu.cloud.buckets == {} and set(emu.cloud.images) == {"ami-0b0c0a01"}


def test_clock_hook_moves_emulated_time(make_emulator):
    emu = make_emulator(clock=lambda: 1795773600.0)
    before = emu.cloud.now()
    status, body = hook(emu, "POST", "/_emulator/clock", {"Advance": 86400})
    assert status == 200 and json.loads(body)["Now"] == before + 86400


def test_hooks_can_be_turned_off_and_never_live_under_api(make_emulator):
    emu = make_emulator(hooks=False)
    assert hook(emu, "GET", "/_emulator/state")[0] == 404
    on = make_emulator()
    assert hook(on, "GET", "/api/v1/_emulator/state")[0] == 404


def test_every_answer_of_a_full_session_matches_the_spec(emu, api, other):
    """Drive every implemented action through success and refusal; hold each answer to the spec."""
    emu.cloud.create_bucket("exports")
    snap = snapshot(emu)
    img = api.ok("CreateImage", {"ImageName": "spec-check", "RootDeviceName": "/dev/sda1",
                                 "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {"SnapshotId": snap}}]})
    image_id = img["Image"]["ImageId"]
    api.ok("CreateImage", {"VmId": vm_of(emu), "ImageName": "spec-vm"})
    api.ok("ReadImages", {"ResultsPerPage": 1})
    api.ok("UpdateImage", {"ImageId": image_id, "PermissionsToLaunch": {"Additions": {"AccountIds": ["210987654321"]}}})
    other.ok("ReadImages", {})
    api.ok("CreateTags", {"ResourceIds": [image_id], "Tags": [{"Key": "a", "Value": "b"}]})
    api.ok("DeleteTags", {"ResourceIds": [image_id], "Tags": [{"Key": "a", "Value": "b"}]})
    task = api.ok("CreateImageExportTask", {"ImageId": image_id, "OsuExport": {"DiskImageFormat": "raw",
                                                                              "OsuBucket": "exports"}})
    for _ in range(3):
        api.ok("ReadImageExportTasks", {})
    api.ok("CreateSnapshot", {"SourceSnapshotId": snap, "SourceRegionName": "eu-west-2"})
    api.ok("ReadSnapshots", {"ResultsPerPage": 1})
    api.ok("UpdateSnapshot", {"SnapshotId": snap, "PermissionsToCreateVolume": {"Removals": {"GlobalPermission": True}}})
    api.call("DeleteExportTask", {"ExportTaskId": task["ImageExportTask"]["TaskId"]})
    api.call("DeleteSnapshot", {"SnapshotId": snap})
    api.ok("DeleteImage", {"ImageId": image_id})
    api.call("CreateImage", {"Bogus": 1})
    api.call("NoSuchAction", {})
    actions = {a for a, status, _ in api.answers if status == 200}
    assert actions >= {"CreateImage", "ReadImages", "UpdateImage", "CreateTags", "DeleteTags", "CreateImageExportTask",
                       "ReadImageExportTasks", "CreateSnapshot", "ReadSnapshots", "UpdateSnapshot", "DeleteImage"}
    for action, status, answer in api.answers + other.answers:
        if action != "NoSuchAction":
            assert response_problems(action, answer, status) == [], (action, answer)


def test_command_help_reads_like_a_man_page():
    result = CliRunner().invoke(emulator, ["--help"])
    assert result.exit_code == 0
    for part in ("DESCRIPTION", "TEST HOOKS", "EXAMPLES", "--pending-reads", "--seed", "OSC_ENDPOINT_API"):
        assert part in result.output


def test_command_serves_until_interrupted(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"buckets": ["exports"]}))
    env = dict(os.environ, OSC_ACCESS_KEY="AKIACOMMANDTEST00001", OSC_SECRET_KEY="command-test-secret")
    proc = subprocess.Popen([sys.executable, "-c", "from osc_shim.cli import main; main()", "emulator",
                             "--port", "0", "--seed", str(seed)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        while not any(line.startswith("export OSC_ENDPOINT_API=") for line in lines):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line)
        endpoint = lines[-1].strip().split("=", 1)[1]
        assert endpoint.startswith("http://127.0.0.1:") and endpoint.endswith("/api/v1")
        # the FCU face, printed beside the OAPI one: same server, EC2 Query at its root
        assert proc.stdout.readline().strip() == "export OSC_ENDPOINT_FCU=" + endpoint[:-len("/api/v1")]
        state = json.loads(urllib.request.urlopen(endpoint[:-len("/api/v1")] + "/_emulator/state", timeout=10).read())
        assert state["Buckets"] == ["exports"] and state["Accounts"][0]["AccessKey"] == "AKIACOMMANDTEST00001"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Emulator stopped." in out
    assert "command-test-secret" not in "".join(lines) + out + err


def test_seeding_helpers_seed_in_one_line(emu, api):
    from osc_emulator import seeding

    url = seeding.seed_manifest(emu, "one-liner")
    assert api.ok("CreateImage", {"FileLocation": url})["Image"]["ImageName"] == "one-liner"
    late = seeding.seed_manifest(emu.cloud, "too-late", expires_in=-60)
    assert api.error("CreateImage", {"FileLocation": late}) == (400, "4040")
    snap = seeding.seed_snapshot(emu, 20)
    assert emu.cloud.snapshots[snap].volume_size == 20 and emu.cloud.snapshots[snap].account_id == "123456789012"


def test_startup_message_is_all_a_client_needs(tmp_path):
    """Follow the start-up message literally: its export lines and its aws command, with the real aws v1."""
    import shlex

    from support.sandbox_env import AWS_V1, clean_env

    env = clean_env(tmp_path)
    proc = subprocess.Popen([sys.executable, "-c", "from osc_shim.cli import main; main()", "emulator", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        while not lines or not lines[-1].startswith("  aws "):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line.rstrip("\n"))
        fields = dict(line.strip().split(None, 1) for line in lines[1:3]) | {"secret": lines[3].split()[-1]}
        assert fields["endpoint"].endswith("/api/v1") and lines[2].startswith("  access key  AKIAEMULATOR")
        assert "emulator-secret-key-do-not-use" in lines[3]
        exported = {}
        for line in lines:
            if line.startswith("export "):
                for word in shlex.split(line[len("export "):]):
                    name, value = word.split("=", 1)
                    exported[name] = value
        assert exported["OSC_ENDPOINT_API"] == fields["endpoint"]
        assert exported["AWS_SECRET_ACCESS_KEY"] == "emulator-secret-key-do-not-use"
        # the printed command, with the printed exports and the plugin enabled the documented way
        cli_env = dict(env, **exported)
        subprocess.run([str(AWS_V1), "configure", "set", "plugins.outscale", "awscli_plugin_outscale"], env=cli_env,
                       check=True, timeout=60)
        done = subprocess.run([str(AWS_V1), *shlex.split(lines[-1].strip())[1:]], env=cli_env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {"Images": []}
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
