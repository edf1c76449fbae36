"""``osc-shim translate -- aws ec2 ...``: the OAPI calls a command becomes, nothing sent."""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from osc_shim import operations
from osc_shim.cli import main
from osc_shim.translate import oapi_cli_line, osc_cli_line


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test: translate must never send anything."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise AssertionError(f"osc-shim translate tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))
    return attempts


def translate(*words, fmt="json"):
    result = CliRunner().invoke(main, ["translate", "--format", fmt, "--", "aws", "ec2", *words])
    return result, (json.loads(result.output) if fmt == "json" and result.output.startswith("{") else None)


def test_copy_image(isolated_aws_env, no_network):
    result, doc = translate("copy-image", "--source-image-id", "ami-12345678", "--source-region", "eu-west-2",
                            "--name", "my copy", "--description", "2024")
    assert result.exit_code == 0, result.output
    assert doc["operation"] == "CopyImage" and doc["region"] == "eu-west-2"
    assert doc["endpoint"] == "https://api.eu-west-2.outscale.com/api/v1"
    (call,) = doc["calls"]
    assert call["action"] == "CreateImage"
    assert call["body"] == {"SourceImageId": "ami-12345678", "ImageName": "my copy", "Description": "2024",
                            "SourceRegionName": "eu-west-2"}
    assert call["oapi_cli"] == ("oapi-cli CreateImage --SourceImageId ami-12345678 --ImageName 'my copy' "
                                "--Description 2024 --SourceRegionName eu-west-2")
    # osc-cli reads Python literals: a number-like string is quoted to stay a string.
    assert call["osc_cli"] == ("osc-cli api CreateImage --SourceImageId ami-12345678 --ImageName 'my copy' "
                               "--Description '\"2024\"' --SourceRegionName eu-west-2")
    assert doc["result"] == {"ImageId": "<CreateImage.Image.ImageId>"}
    assert "ClientToken" in doc["params"]  # filled by the CLI as for a real call, accepted, not sent
    assert not no_network


def test_answers_flow_symbolically_into_later_calls(isolated_aws_env, no_network):
    result, doc = translate("describe-images", "--owners", "self", "--filters", "Name=name,Values=web-*",
                            "Name=tag:Env,Values=prod", "--region", "us-east-2")
    assert result.exit_code == 0, result.output
    assert [c["action"] for c in doc["calls"]] == ["ReadAccounts", "ReadImages"]
    assert doc["calls"][1]["body"] == {"Filters": {"AccountIds": ["<ReadAccounts.Accounts[0].AccountId>"],
                                                   "ImageNames": ["web-*"], "Tags": ["Env=prod"]}}
    assert doc["calls"][1]["url"] == "https://api.us-east-2.outscale.com/api/v1/ReadImages"
    assert doc["result"]["Images"][0]["ImageId"] == "<ReadImages.Images[*].ImageId>"


def test_the_plugins_translator_is_the_one_used(isolated_aws_env, monkeypatch):
    seen = []
    real = operations.OPERATIONS["DeregisterImage"]

    def spy(params, ctx):
        seen.append(params)
        return real(params, ctx)

    monkeypatch.setitem(operations.OPERATIONS, "DeregisterImage", spy)
    result, doc = translate("deregister-image", "--image-id", "ami-12345678")
    assert result.exit_code == 0 and seen == [{"ImageId": "ami-12345678"}]
    assert doc["calls"][0]["body"] == {"ImageId": "ami-12345678"} and doc["result"] == {"Return": True}


def test_a_presigned_url_is_neither_fetched_nor_altered(isolated_aws_env, no_network):
    url = "https://oos.eu-west-2.outscale.com/b/omi.json?AWSAccessKeyId=AK&Expires=4102444800&Signature=s%2Bg"
    result, doc = translate("register-image", "--name", "from the docs", "--image-location", url,
                            "--endpoint", "https://fcu.cloudgouv-eu-west-1.outscale.com")
    assert result.exit_code == 0, result.output
    assert doc["region"] == "cloudgouv-eu-west-1"
    assert doc["calls"][0]["body"] == {"ImageName": "from the docs", "FileLocation": url}


def test_refused_commands_print_the_ec2_error(isolated_aws_env):
    result, doc = translate("export-image", "--image-id", "ami-12345678", "--disk-image-format", "VMDK",
                            "--s3-export-location", "S3Bucket=b")
    assert result.exit_code == 255
    assert doc["calls"] == [] and doc["error"]["Code"] == "InvalidParameterValue"
    result, _ = translate("copy-image", "--source-image-id", "ami-12345678", "--source-region", "us-east-2",
                          "--name", "abc", fmt="text")
    assert result.exit_code == 255
    assert ("An error occurred (InvalidParameterValue) when calling the CopyImage operation: "
            "Value (us-east-2) for parameter SourceRegion is invalid.") in result.output


def test_dry_run_shows_the_call_then_dry_run_operation(isolated_aws_env):
    result, doc = translate("create-tags", "--resources", "ami-12345678", "--tags", "Key=a,Value=b", "--dry-run")
    assert result.exit_code == 255
    assert doc["calls"][0]["body"]["DryRun"] is True and doc["error"]["Code"] == "DryRunOperation"


def test_text_output_for_people(isolated_aws_env):
    result, _ = translate("delete-tags", "--resources", "ami-12345678", "--tags", "Key=Env", fmt="text")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "# DeleteTags -> 2 OUTSCALE API call(s), region eu-west-2. Nothing was sent." in out
    assert "## 1. ReadTags    POST https://api.eu-west-2.outscale.com/api/v1/ReadTags" in out
    assert """oapi-cli DeleteTags --ResourceIds '["ami-12345678"]' --Tags '[{"Key": "Env", "Value": "<ReadTags.Tags[*].Value>"}]'""" in out
    assert "osc-cli api ReadTags --Filters" in out


def test_the_aws_cli_parser_is_the_real_one(isolated_aws_env, tmp_path):
    (tmp_path / "input.json").write_text(json.dumps({"ImageId": "ami-12345678", "Attribute": "launchPermission",
                                                     "OperationType": "add", "UserIds": ["210987654321"]}))
    result, doc = translate("modify-image-attribute", "--cli-input-json", f"file://{tmp_path / 'input.json'}")
    assert result.exit_code == 0, result.output
    assert doc["calls"][0]["body"] == {"ImageId": "ami-12345678", "PermissionsToLaunch": {
        "Additions": {"AccountIds": ["210987654321"]}}}
    assert doc["calls"][0]["osc_cli"].endswith(
        """--PermissionsToLaunch '{"Additions": {"AccountIds": ["210987654321"]}}'""")
    # The AWS CLI's own checks run: required arguments, botocore's parameter validation.
    result, _ = translate("create-image", "--instance-id", "i-12345678")
    assert result.exit_code == 2 and "the following arguments are required: --name" in result.output
    result, _ = translate("create-image", "--instance-id", "i-12345678", "--name", "ab")
    assert result.exit_code == 2 and "valid min length: 3" in result.output


def test_waiters_and_untranslated_commands(isolated_aws_env):
    result, doc = translate("wait", "image-available", "--image-ids", "ami-12345678")
    assert result.exit_code == 0
    assert doc["operation"] == "DescribeImages" and "every 15 s" in doc["notes"][0]
    result, doc = translate("describe-instances")
    assert result.exit_code == 0 and doc["outcome"] == "passthrough" and "error" not in doc
    result = CliRunner().invoke(main, ["translate", "--", "aws", "s3", "ls"])
    assert result.exit_code == 2 and "EC2 command" in result.output


def test_command_line_rendering():
    body = {"ImageId": "ami-1", "NoReboot": True, "Filters": {"AccountIds": ["123456789012"]}, "Count": 3,
            "Description": "it's"}
    assert oapi_cli_line("X", body) == ("oapi-cli X --ImageId ami-1 --NoReboot true "
                                        """--Filters '{"AccountIds": ["123456789012"]}' --Count 3 --Description 'it'"'"'s'""")
    line = osc_cli_line("X", body)
    assert line.startswith("osc-cli api X --ImageId ami-1 --NoReboot True ")
    assert shlex.split(line)[-1] == "it's"


def test_the_installed_command(tmp_path):
    """The console script, in a clean environment, with no network use."""
    exe = Path(sys.executable).parent / "osc-shim"
    if not exe.exists():
        pytest.skip("osc-shim is not installed in this environment")
    env = {"PATH": str(exe.parent), "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / "c"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "k"), "AWS_EC2_METADATA_DISABLED": "true",
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    done = subprocess.run([str(exe), "translate", "--", "aws", "ec2", "reset-image-attribute", "--image-id",
                           "ami-12345678", "--attribute", "launchPermission"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "## 1. ReadImages" in done.stdout and "## 2. UpdateImage" in done.stdout
    assert "Removals" in done.stdout


def test_symbols_behave_like_unknown_answers():
    from osc_shim.operations.placeholders import Symbolic, json_default, next_page_token

    answer = Symbolic("ReadImages")
    assert str(answer["Images"][0]["ImageId"]) == "<ReadImages.Images[0].ImageId>"
    assert [str(i) for i in answer.get("Images")] == ["<ReadImages.Images[*]>"]
    assert next_page_token(answer) is None  # never a pagination loop on symbols
    assert next_page_token({"NextPageToken": "t"}) == "t" and next_page_token({"NextPageToken": ""}) is None
    assert json.dumps({"a": answer["X"]}, default=json_default) == '{"a": "<ReadImages.X>"}'


# -- the three outcomes, and --query/--output on the native lines ------------------------------

URL = "https://oos.eu-west-2.outscale.com/b/k?AWSAccessKeyId=AK&Expires=4102444800&Signature=x"


def test_translated_passthrough_refused(isolated_aws_env, no_network):
    """A script tells the three apart by exit status (and by "outcome" in the JSON)."""
    result, doc = translate("register-image", "--name", "nightly", "--image-location", URL)
    assert (result.exit_code, doc["outcome"], [c["action"] for c in doc["calls"]]) == (0, "translated", ["CreateImage"])
    result, doc = translate("describe-instances", "--instance-ids", "i-12345678")
    assert (result.exit_code, doc["outcome"], doc["calls"]) == (0, "passthrough", [])
    assert doc["command"] == "aws ec2 describe-instances --instance-ids i-12345678"
    text, _ = translate("describe-instances", fmt="text")
    assert text.exit_code == 0 and "# DescribeInstances passes through unchanged." in text.output
    assert "fcu.eu-west-2.outscale.com" in text.output and "error" not in text.output.lower()
    result, doc = translate("register-image", "--name", "nightly", "--image-location", URL, "--kernel-id", "aki-1")
    assert (result.exit_code, doc["outcome"], doc["error"]["Code"]) == (255, "refused", "InvalidParameter")


def test_query_and_output_are_kept(isolated_aws_env, no_network):
    result, doc = translate("register-image", "--name", "nightly", "--image-location", URL,
                            "--query", "ImageId", "--output", "text")
    assert result.exit_code == 0
    assert doc["calls"][0]["oapi_cli"].endswith(" | jq -r .Image.ImageId")
    assert doc["calls"][0]["osc_cli"].endswith(" | jq -r .Image.ImageId")
    # two calls: the filter goes on the one whose answer holds the value
    result, doc = translate("describe-images", "--owners", "self", "--query", "Images[].ImageId", "--output", "json")
    lines = {c["action"]: c["oapi_cli"] for c in doc["calls"]}
    assert lines["ReadImages"].endswith(" | jq '.Images[].ImageId'") and "jq" not in lines["ReadAccounts"]
    text, _ = translate("describe-images", "--query", "length(Images)", fmt="text")
    assert "has no single equivalent path" in text.output and "| jq" not in text.output
    # passing through: the command itself, --query/--output as given
    result, doc = translate("describe-instances", "--query", "Reservations[].Instances[].InstanceId", "--output", "text")
    assert doc["command"] == "aws ec2 describe-instances --query 'Reservations[].Instances[].InstanceId' --output text"


def test_the_jq_filter_picks_from_outscales_answer_what_query_picks_from_ec2s(aws, emu, snapshot_image,
                                                                              isolated_aws_env):
    """The real aws with the plugin prints X for --query; jq on OUTSCALE's answer to the printed call prints X."""
    import shutil

    from lifecycle_env import ACCESS_KEY
    from osc_emulator.images import read_images

    if not shutil.which("jq"):  # the printed lines are for jq; without it there is nothing to run them with
        pytest.skip("jq is not installed (apt-get install jq)")
    snapshot_image("jq-check")
    args = ("describe-images", "--owners", "self", "--query", "Images[].ImageId", "--output", "text")
    ec2 = aws("ec2", *args)
    assert ec2.returncode == 0, ec2.stderr
    _, doc = translate(*args)
    call = next(c for c in doc["calls"] if c["action"] == "ReadImages")
    jq_args = shlex.split(call["oapi_cli"].split(" | jq ", 1)[1])
    body = {k: v for k, v in call["body"].items() if not str(v).startswith("<")}  # symbols: the account's ID
    body.setdefault("Filters", {})["AccountIds"] = [emu.cloud.account_by_key(ACCESS_KEY).account_id]
    answer = read_images(emu.cloud, emu.cloud.account_by_key(ACCESS_KEY), body)
    native = subprocess.run(["jq", *jq_args], input=json.dumps(answer), capture_output=True, text=True, timeout=30)
    assert native.returncode == 0, native.stderr
    assert sorted(native.stdout.split()) == sorted(ec2.stdout.split()) != []
