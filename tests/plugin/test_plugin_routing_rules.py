"""Where a call goes, through the real ``aws`` v1 and v2 binaries: every routing rule, and nothing sent
off loopback.

Each ``aws`` runs with HTTPS_PROXY/HTTP_PROXY pointing at a recording proxy (loopback is exempt
through NO_PROXY): a request for any other host -- AWS's, or an OUTSCALE host that does not exist --
would reach the proxy (a CONNECT for https).  The refused commands must leave it untouched; a plain
AWS command shows that the proxy does see what is sent.  One emulator serves every region
(``OSC_ENDPOINT_API=http://127.0.0.1:PORT/{region}/api/v1``).
"""

from __future__ import annotations

import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from plugin_sandbox import REPO, clean_env
from support.sandbox_env import AWS_V1, AWS_V2, OUTSCALE_PROFILE_EU_WEST_2
from support.emulator_process import emulator_fixture

emulator = pytest.importorskip("osc_emulator")
pytest.importorskip("waitress")

ACCOUNTS = {"AKIAROUTING000000001": ("routing-secret-1", "111122223333"),
            "AKIAROUTING000000002": ("routing-secret-2", "222233334444"),
            "AKIAROUTING000000003": ("routing-secret-3", "333344445555")}
(AK1, (SK1, ACCOUNT1)), (AK2, (SK2, ACCOUNT2)), (AK3, (SK3, ACCOUNT3)) = ACCOUNTS.items()

PROFILES = OUTSCALE_PROFILE_EU_WEST_2 + """
[profile bare]
outscale = true
region = eu-west-2

[profile plain]
region = eu-west-2
"""


class RecordingProxy(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _refuse(self):
        with self.server.lock:
            self.server.seen.append(f"{self.command} {self.path}")
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()

    do_CONNECT = do_GET = do_POST = do_PUT = do_HEAD = _refuse


@pytest.fixture(scope="module")
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingProxy)
    server.daemon_threads = True
    server.seen, server.lock = [], threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


emu = emulator_fixture("module", accounts=dict(ACCOUNTS))


class Aws:
    def __init__(self, version: str, binary: Path, home: Path, emu, proxy):
        self.version, self.binary, self.home, self.proxy = version, binary, home, proxy
        plugin = "[plugins]\noutscale = awscli_plugin_outscale\n"
        extra = {}
        if version == "v2":
            plugin += f"cli_legacy_plugin_path = {REPO / 'plugin'}\n"
            extra["PYTHONPATH"] = str(REPO / "shim")
        self.env = clean_env(home, OSC_ENDPOINT_API=emu.api_url_template, HTTPS_PROXY=proxy.url,
                             HTTP_PROXY=proxy.url, AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard", **extra)
        Path(self.env["AWS_CONFIG_FILE"]).write_text(plugin + PROFILES)
        Path(self.env["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
            f"[osc]\naws_access_key_id = {AK1}\naws_secret_access_key = {SK1}\n"
            f"[plain]\naws_access_key_id = AKIDPLAIN\naws_secret_access_key = plain-secret\n")

    def run(self, *args, env=None):
        full = dict(self.env, **(env or {}))
        return subprocess.run([str(self.binary), *args], env=full, capture_output=True, text=True, timeout=90,
                              stdin=subprocess.DEVNULL)

    def nothing_sent(self, done):
        """The command failed, said so in one message, and nothing reached the proxy."""
        assert done.returncode != 0 and done.stdout == "", done.stdout
        assert "Traceback" not in done.stderr, done.stderr
        assert self.proxy.seen == [], self.proxy.seen


@pytest.fixture(params=["v1", "v2"])
def aws(request, tmp_path, emu, proxy):
    binary = AWS_V1 if request.param == "v1" else AWS_V2
    if not binary.exists():
        pytest.skip(f"no AWS CLI {request.param} at {binary}")
    with proxy.lock:
        proxy.seen.clear()
    return Aws(request.param, binary, tmp_path, emu, proxy)


def test_the_typed_region_beats_the_profiles_endpoints_and_a_copy_never_lands_in_the_source_region(aws, emu):
    east, west = emu.cloud_for("us-east-2"), emu.cloud
    name = f"routing-{aws.version}"
    location = east.put_manifest("b", f"{name}.json", emulator.make_manifest(name, region="us-east-2"))
    done = aws.run("--profile", "osc", "--region", "us-east-2", "ec2", "register-image", "--name", name,
                   "--image-location", location, "--query", "ImageId", "--output", "text")
    assert done.returncode == 0, done.stderr
    image = done.stdout.strip()
    assert image in east.images and image not in west.images

    before = (len(east.images), len(west.images))
    copy = aws.run("--profile", "osc", "ec2", "copy-image", "--source-image-id", image, "--source-region",
                   "eu-west-2", "--region", "us-east-2", "--name", name + "-copy")
    aws.nothing_sent(copy)
    assert "SourceRegion" in copy.stderr and "us-east-2" in copy.stderr
    assert (len(east.images), len(west.images)) == before  # no copy anywhere, least of all in eu-west-2

    # An untranslated call goes to us-east-2's FCU, not to the eu-west-2 endpoint the profile configures
    # (the proxy sees its CONNECT: it is an OUTSCALE host, and the only request that left loopback).
    aws.run("--profile", "osc", "--region", "us-east-2", "ec2", "describe-instances")
    assert [line.split()[1] for line in aws.proxy.seen] == ["fcu.us-east-2.outscale.com:443"]


def test_an_endpoint_contradicting_the_typed_region_is_an_error_naming_both(aws):
    done = aws.run("ec2", "describe-images", "--endpoint-url", "https://fcu.eu-west-2.outscale.com",
                   "--region", "us-east-2", env={"AWS_ACCESS_KEY_ID": AK1, "AWS_SECRET_ACCESS_KEY": SK1})
    aws.nothing_sent(done)
    assert "https://fcu.eu-west-2.outscale.com" in done.stderr and "us-east-2" in done.stderr


@pytest.mark.parametrize("host", ["fcu.eu-west-3.outscale.com", "fcu.eu-west2.outscale.com",
                                  "fcuu.eu-west-2.outscale.com"])
def test_outscale_hosts_that_do_not_exist_are_refused_before_anything_is_sent(aws, host):
    done = aws.run("ec2", "describe-instances", "--endpoint-url", f"https://{host}",
                   env={"AWS_ACCESS_KEY_ID": AK1, "AWS_SECRET_ACCESS_KEY": SK1})
    aws.nothing_sent(done)
    assert host in done.stderr and "cloudgouv-eu-west-1" in done.stderr


def test_a_service_outscale_does_not_offer_is_refused_and_never_reaches_aws(aws, proxy):
    done = aws.run("--profile", "osc", "dynamodb", "list-tables")
    aws.nothing_sent(done)
    assert "OUTSCALE has no dynamodb service" in done.stderr and "ec2 (fcu)" in done.stderr
    # The proxy does see what is sent: the same command from a profile that is not OUTSCALE's.
    aws.run("--profile", "plain", "dynamodb", "list-tables")
    assert proxy.seen and all(line.startswith("CONNECT dynamodb.eu-west-2.amazonaws.com") for line in proxy.seen)


def test_sts_get_caller_identity_is_answered_through_oapi(aws):
    done = aws.run("--profile", "osc", "sts", "get-caller-identity", "--query", "Account", "--output", "text")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{ACCOUNT1}\n"
    whole = aws.run("--profile", "osc", "--region", "us-west-1", "sts", "get-caller-identity")
    assert json.loads(whole.stdout) == {"Account": ACCOUNT1}
    other = aws.run("--profile", "osc", "sts", "get-session-token")
    aws.nothing_sent(other)
    assert "OUTSCALE has no STS" in other.stderr and "GetCallerIdentity" in other.stderr


def test_debug_shows_the_routing_decision(aws):
    done = aws.run("--debug", "--profile", "osc", "--region", "us-east-2", "sts", "get-caller-identity")
    assert done.returncode == 0, done.stderr[-2000:]
    line = next(l for l in done.stderr.splitlines() if "outscale: routing:" in l)
    assert "region us-east-2 (--region on the command line)" in line and "/us-east-2/api/v1" in line
    assert "outscale: credentials from shared-credentials-file" in done.stderr
    assert SK1 not in done.stderr


def test_osc_endpoint_api_with_a_command_not_targeting_outscale_is_told(aws):
    done = aws.run("--profile", "plain", "ec2", "describe-images", "--generate-cli-skeleton")
    assert done.returncode == 0, done.stderr
    assert "OSC_ENDPOINT_API is set, but this command does not target OUTSCALE" in done.stderr
    quiet = aws.run("--profile", "plain", "ec2", "describe-images", "--generate-cli-skeleton",
                    env={"OSC_ENDPOINT_API": ""})
    assert "OSC_ENDPOINT_API" not in quiet.stderr


def test_outscale_credential_conventions_where_the_aws_chain_has_none(aws):
    osc_env = {"OSC_ACCESS_KEY": AK2, "OSC_SECRET_KEY": SK2}
    ask = ("--profile", "bare", "sts", "get-caller-identity", "--query", "Account", "--output", "text")
    assert aws.run(*ask, env=osc_env).stdout == f"{ACCOUNT2}\n"
    (aws.home / ".osc").mkdir()
    (aws.home / ".osc" / "config.json").write_text(json.dumps({
        "default": {"access_key": "AKIANOTTHISONE000000", "secret_key": "x", "region": "eu-west-2"},
        "work": {"access_key": AK3, "secret_key": SK3, "region": "eu-west-2"}}))
    assert aws.run(*ask, env={"OSC_PROFILE": "work"}).stdout == f"{ACCOUNT3}\n"
    assert aws.run(*ask, env=dict(osc_env, OSC_PROFILE="work")).stdout == f"{ACCOUNT2}\n"  # env before file
    # The AWS chain first: the profile's own keys win over both.
    mine = ("--profile", "osc", "sts", "get-caller-identity", "--query", "Account", "--output", "text")
    assert aws.run(*mine, env=dict(osc_env, OSC_PROFILE="work")).stdout == f"{ACCOUNT1}\n"
    assert aws.proxy.seen == []


def test_a_region_outscale_does_not_have_is_refused_alike_by_v1_and_v2(aws):
    done = aws.run("--profile", "bare", "--region", "eu-west-3", "ec2", "describe-images",
                   env={"AWS_ACCESS_KEY_ID": AK1, "AWS_SECRET_ACCESS_KEY": SK1})
    aws.nothing_sent(done)
    assert "'eu-west-3' is not an OUTSCALE region" in done.stderr and "ap-northeast-1" in done.stderr


def test_the_last_guard_refuses_any_request_to_an_aws_host(aws):
    # configservice is the CLI's name of botocore's "config": not recognised as a service by name,
    # so nothing refuses it up front -- the request itself is stopped before it is sent.
    done = aws.run("--profile", "osc", "configservice", "describe-delivery-channels")
    aws.nothing_sent(done)
    assert "an AWS host" in done.stderr and "amazonaws.com" in done.stderr
