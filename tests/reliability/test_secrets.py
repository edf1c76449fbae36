"""No secret in anything the plugin or the gateway prints: real commands, every captured stream grepped.

Secrets looked for: the secret access key, the signature and the key ID carried by a pre-signed
URL (raw and percent-encoded), Authorization header signatures (AWS4 / OSC4), and botocore's
``Signature:`` trace line.  (Access key IDs are not secret; the plugin and the gateway mask them
anyway where they print them.)
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from reliability_env import ACCESS_KEY, AWS, REGION, SECRET_KEY, clean_env, snapshot

SIGNATURE_HEX = re.compile(r"Signature=(?!REDACTED)[0-9a-f]{16,}")
TRACE_SIGNATURE = re.compile(r"(?m)^Signature:\s*\n?[0-9a-f]{64}")


def secrets_of(url: str) -> list:
    """The values of a pre-signed URL that must never be shown, in every spelling they travel in."""
    out = []
    for key, value in parse_qsl(urlsplit(url).query):
        if key.lower() in ("signature", "x-amz-signature", "awsaccesskeyid", "x-amz-credential"):
            out += [value, quote(value, safe=""), quote(value, safe="/")]
    return [s for s in dict.fromkeys(out) if len(s) >= 6]


def assert_clean(text: str, extra=(), where: str = "") -> None:
    for secret in (SECRET_KEY, *extra):
        assert secret not in text, f"{secret!r} appears in {where}:\n" + _around(text, secret)
    for pattern in (SIGNATURE_HEX, TRACE_SIGNATURE):
        match = pattern.search(text)
        assert match is None, f"a signature appears in {where}:\n" + _around(text, match.group(0))


def _around(text, needle):
    i = text.find(needle)
    return text[max(0, i - 300): i + 200]


@pytest.fixture
def aws(aws_binary, emu, tmp_path, fast):
    home = tmp_path / "aws-home"
    home.mkdir()
    (home / "aws-config").write_text("[plugins]\noutscale = awscli_plugin_outscale\n\n[default]\n"
                                     f"region = {REGION}\noutscale = true\noutput = json\n")
    (home / "aws-credentials").write_text(
        f"[default]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\n")
    env = clean_env(home, OSC_ENDPOINT_API=emu.api_url, **fast)

    def run(*args, **extra):
        return subprocess.run([str(AWS), *args], env={**env, **extra}, capture_output=True, text=True, timeout=90,
                              stdin=subprocess.DEVNULL)
    return run


def manifest_url(emu, name="secret-test"):
    emu.cloud.create_bucket("secrets")
    return emu.put_manifest("secrets", f"{name}.json", {
        "Version": 1, "Image": {"Name": name, "Architecture": "x86_64", "Type": "machine", "Snapshots": [{
            "Device": "/dev/sda1", "Size": 10 * 2 ** 30, "VolumeType": "standard", "DeleteOnTermination": True,
            "Filename": "snap.qcow2.gz", "PreSignedUrl": emu.cloud.presign("secrets", "snap.qcow2.gz")}]}})


def test_aws_debug_with_the_plugin_shows_no_secret(emu, aws):
    url = manifest_url(emu)
    presigned = secrets_of(url)
    assert presigned and "Signature=" in url
    streams = []

    # the documented command, --debug: argv echo, parameter unpacking, the plugin's decisions
    done = aws("--debug", "ec2", "register-image", "--name", "secret test", "--image-location", url)
    assert done.returncode == 0, done.stderr[-2000:]
    streams.append(("register-image --debug", done.stdout + done.stderr))
    # an error that echoes the URL (an expired pre-signed URL), and one about the endpoint
    expired = emu.cloud.presign("secrets", "secret-test.json", expires_in=-3600)
    done = aws("--debug", "ec2", "register-image", "--name", "expired one", "--image-location", expired)
    assert done.returncode != 0 and "expired" in done.stderr
    streams.append(("expired --debug", done.stdout + done.stderr))
    presigned += secrets_of(expired)
    # faults: a lost answer reconciled, and a failure that gives up (messages name the endpoint)
    emu.inject("reset-after", "CreateImage")
    done = aws("--debug", "ec2", "register-image", "--name", "reset secret", "--image-location",
               manifest_url(emu, "reset-secret"))
    assert done.returncode == 0 and "was found" in done.stderr
    streams.append(("reset-after --debug", done.stdout + done.stderr))
    emu.inject("http-500", "CreateImage", times=None)
    done = aws("--debug", "ec2", "register-image", "--name", "failing", "--root-device-name", "/dev/sda1",
               "--block-device-mappings", f'[{{"DeviceName":"/dev/sda1","Ebs":{{"SnapshotId":"{snapshot(emu.cloud)}"}}}}]')
    emu.clear_faults()
    assert done.returncode != 0
    streams.append(("http-500 --debug", done.stdout + done.stderr))
    # an untranslated call botocore signs and sends itself (to FCU: unreachable here, but signed and logged)
    done = aws("--debug", "ec2", "describe-regions", "--endpoint-url", "https://fcu.eu-west-2.outscale.com",
               "--cli-connect-timeout", "1", AWS_MAX_ATTEMPTS="1")
    streams.append(("describe-regions to FCU --debug", done.stdout + done.stderr))
    assert "Authorization" in done.stderr or "Signature" in done.stderr  # botocore did sign and log it...

    for where, text in streams:
        assert_clean(text, presigned, where)  # ...but nothing of it shows
    assert "REDACTED" in streams[0][1]  # the argv echo was scrubbed, not silenced


def test_errors_never_echo_a_presigned_signature(emu, aws):
    url = manifest_url(emu, "echo-test").replace("Expires=", "Expires=notanumber&x=")
    done = aws("ec2", "register-image", "--name", "bad url", "--image-location", url)
    assert done.returncode != 0
    assert_clean(done.stdout + done.stderr, secrets_of(url), "a malformed pre-signed URL error")


def serve_debug(emu, tmp_path):
    """``osc-shim serve --log-level debug`` on the emulator: (process, stderr lines so far, its URL)."""
    home = tmp_path / "gw-home"
    home.mkdir()
    env = clean_env(home, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY,
                    OSC_SHIM_READ_TIMEOUT="1", OSC_SHIM_MAX_TOTAL="8", OSC_SHIM_BACKOFF_BASE="0.05")
    proc = subprocess.Popen([str(AWS.parent / "osc-shim"), "serve", "--port", "0", "--region", REGION,
                             "--no-forward", "--api-endpoint", emu.api_url, "--log-level", "debug"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines, url = [], None
    deadline = time.monotonic() + 30
    while url is None and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"listening on (http://\S+)", line)
        url = match.group(1) if match else None
    if url is None:
        proc.kill()
        raise AssertionError("".join(lines))
    return proc, lines, url


def test_the_gateways_log_shows_no_secret(emu, tmp_path):
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    proc, lines, gateway_url = serve_debug(emu, tmp_path)
    try:

        def ec2(secret=SECRET_KEY):
            return boto3.client("ec2", region_name=REGION, endpoint_url=gateway_url, aws_access_key_id=ACCESS_KEY,
                                aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))

        url = manifest_url(emu, "gateway-secret")
        presigned = secrets_of(url)
        image_id = ec2().register_image(Name="gateway secret", ImageLocation=url)["ImageId"]
        # The answer is data a program compares with what it registered: the URL as OUTSCALE holds it.
        # Only the log below is redacted.
        assert ec2().describe_images(ImageIds=[image_id])["Images"][0]["ImageLocation"] == url
        emu.inject("reset-after", "CreateImage")  # the shim warns about the lost answer in the log
        ec2().register_image(Name="gateway reset", ImageLocation=manifest_url(emu, "gateway-reset"))
        emu.inject("http-500", "CreateImage", times=None)
        with pytest.raises(ClientError):
            ec2().register_image(Name="gateway failing", ImageLocation=manifest_url(emu, "gateway-failing"))
        emu.clear_faults()
        with pytest.raises(ClientError):  # a bad signature: refused, logged
            ec2(secret="a-wrong-secret-key-1234").describe_images()
        expired = emu.cloud.presign("secrets", "gateway-secret.json", expires_in=-3600)
        presigned += secrets_of(expired)
        with pytest.raises(ClientError) as err:
            ec2().register_image(Name="gateway expired", ImageLocation=expired)
        assert_clean(str(err.value.response), presigned, "the gateway's error answer")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    log = "".join(lines) + err + out
    assert "RegisterImage" in log and "ak=" in log
    assert_clean(log, presigned + ["a-wrong-secret-key-1234", ACCESS_KEY], "the gateway's log")
