"""``osc-shim serve`` as a process (waitress), graceful shutdown, and the same app under gunicorn."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from botocore.config import Config

from gateway_testlib import AK, BIN, REGION, SK, clean_env

CONFIG = Config(retries={"max_attempts": 1}, read_timeout=30)


def client(url, access_key=AK, secret_key=SK):
    return boto3.client("ec2", region_name=REGION, endpoint_url=url, aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key, config=CONFIG)


class SlowFcu:
    """An FCU stand-in that answers DescribeRegions after ``delay`` seconds."""

    BODY = (b'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeRegionsResponse '
            b'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>slow-1</requestId><regionInfo><item>'
            b'<regionName>eu-west-2</regionName><regionEndpoint>fcu.eu-west-2.outscale.com</regionEndpoint>'
            b'</item></regionInfo></DescribeRegionsResponse>')

    def __init__(self, delay: float):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.arrived.set()
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "text/xml;charset=UTF-8")
                self.send_header("Content-Length", str(len(outer.BODY)))
                self.end_headers()
                self.wfile.write(outer.BODY)

            def log_message(self, *args):
                pass

        self.arrived = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def start_serve(home, *args, **env_extra):
    env = clean_env(home, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK, **env_extra)
    proc = subprocess.Popen([str(BIN / "osc-shim"), "serve", "--port", "0", "--region", REGION, *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            return proc, match.group(1), lines
    proc.kill()
    raise AssertionError("osc-shim serve did not start:\n" + "".join(lines) + proc.stderr.read())


def drain(proc, lines, timeout=20):
    out, err = proc.communicate(timeout=timeout)
    return "".join(lines) + err


def test_help_reads_like_a_manual(isolated):
    done = subprocess.run([str(BIN / "osc-shim"), "serve", "--help"], env=clean_env(isolated), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0
    for needle in ("AWS_ENDPOINT_URL_EC2", "WHAT IT DOES", "SERVICE", "SECURITY", "gunicorn", "SIGTERM",
                   "--no-forward", "--fcu-endpoint", "--profile", "127.0.0.1", "EXIT STATUS", "ENVIRONMENT"):
        assert needle in done.stdout
    from osc_shim.cli import COMMANDS

    assert COMMANDS["serve"] == "osc_shim.cli.serve:serve"


def test_no_credentials_is_a_clear_error(isolated):
    env = clean_env(isolated)
    done = subprocess.run([str(BIN / "osc-shim"), "serve", "--port", "0", "--region", REGION], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "no credentials" in done.stderr and "Traceback" not in done.stderr


def test_unknown_profile_is_a_clear_error(isolated):
    done = subprocess.run([str(BIN / "osc-shim"), "serve", "--port", "0", "--profile", "nope"],
                          env=clean_env(isolated), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "'nope'" in done.stderr and "Traceback" not in done.stderr


def test_unknown_region_is_a_clear_error(isolated):
    env = clean_env(isolated, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK)
    done = subprocess.run([str(BIN / "osc-shim"), "serve", "--port", "0", "--region", "mars-north-1"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "mars-north-1" in done.stderr and "eu-west-2" in done.stderr


def test_serve_forwards_and_stops_gracefully_with_a_request_in_flight(isolated):
    fcu = SlowFcu(delay=2.0)
    proc, url, lines = start_serve(isolated, "--fcu-endpoint", fcu.url, "--grace", "10")
    try:
        assert url.startswith("http://127.0.0.1:")
        result = {}

        def slow_call():
            try:
                result["regions"] = client(url).describe_regions()["Regions"]
            except Exception as exc:  # noqa: BLE001
                result["error"] = exc

        caller = threading.Thread(target=slow_call)
        caller.start()
        assert fcu.arrived.wait(15), "the request never reached FCU"
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        # No new connections once stopping...
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        # ...but the request in flight gets its answer.
        caller.join(20)
        assert result.get("regions") == [{"RegionName": "eu-west-2", "Endpoint": "fcu.eu-west-2.outscale.com"}], result
        assert proc.wait(20) == 0
        log = drain(proc, lines)
        assert "DescribeRegions fcu 200" in log
        assert SK not in log and "Signature=" not in log
        assert "stopped" in log
    finally:
        if proc.poll() is None:
            proc.kill()
        fcu.close()


def test_serve_with_a_profile_and_the_emulator(isolated):
    from osc_emulator import start_emulator

    emu = start_emulator(region=REGION)
    try:
        (isolated / "aws-config").write_text(f"[profile gw]\nregion = {REGION}\n")
        (isolated / "aws-credentials").write_text(f"[gw]\naws_access_key_id = {emu.access_key}\n"
                                                  f"aws_secret_access_key = {emu.secret_key}\n")
        env = clean_env(isolated)
        proc = subprocess.Popen([str(BIN / "osc-shim"), "serve", "--port", "0", "--profile", "gw", "--no-forward",
                                 "--api-endpoint", emu.api_url], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        line = proc.stderr.readline()
        match = re.search(r"listening on (http://\S+) \(region (\S+);", line)
        assert match, line + proc.stderr.read() if proc.poll() is not None else line
        url, region = match.groups()
        assert region == REGION + "" or region.startswith(REGION)
        snapshot = emu.cloud.add_snapshot(emu.cloud.default_account.account_id, 10).snapshot_id
        ec2 = client(url, emu.access_key, emu.secret_key)
        image_id = ec2.register_image(Name="from-serve", RootDeviceName="/dev/sda1", BlockDeviceMappings=[
            {"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snapshot}}])["ImageId"]
        assert image_id.startswith("ami-")
        from botocore.exceptions import ClientError

        with pytest.raises(ClientError) as info:
            ec2.describe_regions()
        assert info.value.response["Error"]["Code"] == "UnsupportedOperation"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 0
        log = proc.stderr.read()
        assert "RegisterImage shim 200" in log and emu.secret_key not in log
    finally:
        if "proc" in locals() and proc.poll() is None:
            proc.kill()
        emu.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_same_app_under_gunicorn(isolated, moto_fcu):
    from osc_emulator import start_emulator

    emu = start_emulator(region=REGION)
    port = free_port()
    env = clean_env(isolated, AWS_ACCESS_KEY_ID=emu.access_key, AWS_SECRET_ACCESS_KEY=emu.secret_key,
                    OSC_SHIM_REGION=REGION, OSC_ENDPOINT_API=emu.api_url, OSC_ENDPOINT_FCU=moto_fcu)
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-w", "2", "--threads", "4", "-b", f"127.0.0.1:{port}",
                             "--graceful-timeout", "10", "osc_shim.gateway.app:create_app()"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read()
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}"
        ec2 = client(url, emu.access_key, emu.secret_key)
        snapshot = emu.cloud.add_snapshot(emu.cloud.default_account.account_id, 10).snapshot_id
        ids = {ec2.register_image(Name=f"gunicorn-{i}", RootDeviceName="/dev/sda1", BlockDeviceMappings=[
            {"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": snapshot}}])["ImageId"] for i in range(4)}
        assert len(ids) == 4  # whichever worker served it, the state is in OAPI
        assert any(r["RegionName"] == REGION for r in ec2.describe_regions()["Regions"])  # forwarded
        from botocore.exceptions import ClientError

        with pytest.raises(ClientError) as info:
            client(url, emu.access_key, "wrong").describe_regions()
        assert info.value.response["Error"]["Code"] == "AuthFailure"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        emu.stop()
