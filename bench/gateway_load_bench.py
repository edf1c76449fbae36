"""The gateway under load and abuse (issue 10): loopback only, bounded loops; prints figures.

    PYTHONPATH=shim:plugin:serving .venv/bin/python bench/gateway_load_bench.py [--images 1000] [--requests 2800]

1. Abuse, side by side, server setups in this process (a stand-in shim answers DescribeImages): with
   ``--held`` connections open (half idle, half with half a header sent), the time a real signed boto3
   request on a new connection takes to be answered (bounded: ``--patience`` s), and how long a
   connection that sends nothing stays open (bounded probe) -- for waitress's defaults as the gateway
   had them (connection_limit 100, channel_timeout 120, select()) and the chosen setup
   (``GatewayServer``: poll(), 4,096 connections, gateway/framing.py's timeouts).
2. DescribeImages of ``--images`` images through ``osc-shim serve`` (-> shim -> OAPI ReadImages on the
   emulator) against the same ReadImages sent straight to the emulator: raw pre-signed requests
   replayed on kept-alive connections, the answer's bytes read but not parsed (client-side parsing
   left out), rounds interleaved, ratio of medians in one run (goal <= 1.3).  The ratio that counts
   is against an emulator started with its response self-check off (``check_responses=False``):
   OUTSCALE does not validate its own answers, the self-check is the test oracle's, and its cost in
   the denominator would flatter the gateway.  For continuity the same pair is also measured
   against an emulator with its default settings (self-check on), labelled as such.  Beside the
   wall-clock figures, the CPU time of each server process per request (/proc/<pid>/stat):
   the gateway's own CPU is printed twice, as the gateway path minus the direct path (emulator +
   gateway, less emulator) and as the gateway process's CPU alone.  On a machine shared with
   other work the wall-clock ratio moves with the load, the CPU figures much less.  Then what the
   goal leaves the gateway against what no gateway in Python avoids: its cost on a one-image answer
   (the same pair of paths, one image each, in the same rounds) plus parsing OAPI's answer with the
   shim's parser, and the ratio those give with the XML written for free.
3. Each gateway process's memory (VmRSS; VmHWM, the peak) once started, after the large requests of 2.
   and after ``--requests`` small DescribeImages (goal: RSS <= 60 MiB under load).  The start-up peak
   is printed, then reset, so the peak printed last is the one under load.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_bench import (BIN, PUBLIC_IMAGE, REGION, REPO, base_env, busy_jiffies, free_port, memory,  # noqa: E402
                           replay, stop, wait_port)

SETUPS = {
    "waitress defaults (before)": dict(waitress_options=dict(connection_limit=100, channel_timeout=120,
                                                             asyncore_use_poll=False, cleanup_interval=30,
                                                             backlog=1024), framing_hooks=False),
    "chosen (GatewayServer)": {},
}


def abuse(held: int, patience: float) -> list:
    import boto3
    from botocore.config import Config
    from botocore.credentials import Credentials

    from osc_shim.gateway.app import create_app
    from osc_shim.gateway.server import GatewayServer

    ak, sk = "AKIABENCHABUSE000001", "bench-abuse-secret"
    rows = []
    for label, options in SETUPS.items():
        app = create_app(credentials=Credentials(ak, sk), region=REGION, forward=False,
                         call=lambda *a, **k: {"Images": []}, supported=lambda: frozenset({"DescribeImages"}))
        server = GatewayServer(app, host="127.0.0.1", port=0, threads=8, grace=0.5, **options)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        host, port = server.addresses[0][:2]
        sockets = []
        try:
            for i in range(held):
                try:
                    sock = socket.create_connection((host, port), timeout=2)
                except OSError:
                    break
                if i % 2:
                    try:
                        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
                    except OSError:
                        pass
                sockets.append(sock)
            time.sleep(0.5)
            ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=server.url, aws_access_key_id=ak,
                               aws_secret_access_key=sk,
                               config=Config(retries={"max_attempts": 1}, connect_timeout=patience,
                                             read_timeout=patience))
            started = time.monotonic()
            try:
                ec2.describe_images(Owners=["self"])
                served = f"{(time.monotonic() - started) * 1000:.0f} ms"
            except Exception as exc:  # noqa: BLE001 -- the figure is "not served"
                served = f"not served within {patience:g} s ({type(exc).__name__})"
            probe = socket.create_connection((host, port), timeout=2)
            probe.settimeout(12)
            started = time.monotonic()
            try:
                closed = probe.recv(1) == b""
            except socket.timeout:
                closed = False
            except OSError:
                closed = True
            waited = time.monotonic() - started
            probe.close()
            rows.append((label, len(sockets), served, f"{waited:.1f} s" if closed else f"> {waited:.0f} s (open)"))
        finally:
            for sock in sockets:
                sock.close()
            server.shutdown()
            thread.join(10)
    return rows


def seed_images(api_url: str, count: int, account: str) -> None:
    import urllib.request

    base = api_url.rsplit("/api/", 1)[0]
    images = [{"ImageName": f"bench image {i:04d}", "AccountId": account, "Architecture": "x86_64",
               "Description": f"benchmark image number {i}",
               "BlockDeviceMappings": [{"DeviceName": "/dev/sda1",
                                        "Bsu": {"SnapshotId": f"snap-{i:08x}", "VolumeSize": 10,
                                                "VolumeType": "standard", "DeleteOnVmDeletion": True}}],
               "Tags": [{"Key": "bench", "Value": str(i)}]} for i in range(count)]
    request = urllib.request.Request(base + "/_emulator/seed", data=json.dumps({"images": images}).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert len(json.loads(answer.read())["Images"]) == count


def signed_gateway_request(gw_url: str, ak: str, sk: str, body: str):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=gw_url + "/", data=body.encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(ak, sk), "ec2", REGION).add_auth(request)
    return dict(request.prepare().headers), body.encode()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--held", type=int, default=1000, help="connections held open in 1. (default 1000)")
    parser.add_argument("--patience", type=float, default=20.0, help="longest wait for the real client in 1.")
    parser.add_argument("--images", type=int, default=1000, help="images DescribeImages returns in 2.")
    parser.add_argument("--samples", type=int, default=60, help="samples of each path in 2. (default 60)")
    parser.add_argument("--requests", type=int, default=2800, help="small requests before measuring memory")
    parser.add_argument("--skip-abuse", action="store_true")
    parser.add_argument("--baseline-tree", metavar="DIR", type=Path,
                        help="also run a gateway from DIR's shim/ and plugin/ (e.g. a checkout of the previous "
                             "commit) in the same interleaved rounds of 2.: before/after side by side")
    args = parser.parse_args(argv)

    print("gateway load benchmark (loopback)")
    if not args.skip_abuse:
        print(f"\n1. abuse: {args.held} connections held (half idle, half half-sent), then one real boto3 request")
        print(f"   {'setup':30} {'held':>5}  {'real request answered':28} idle connection closed after")
        for label, n, served, closed in abuse(args.held, args.patience):
            print(f"   {label:30} {n:5d}  {served:28} {closed}")

    from osc_emulator import DEFAULT_ACCESS_KEY, DEFAULT_ACCOUNT_ID, DEFAULT_SECRET_KEY

    ak, sk = DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY
    home = Path(tempfile.mkdtemp(prefix="gw-load-bench-"))
    procs = []
    gw_env = base_env(home, AWS_ACCESS_KEY_ID=ak, AWS_SECRET_ACCESS_KEY=sk)

    def gateway(api_url: str, env: dict) -> tuple:
        port = free_port()
        proc = subprocess.Popen([str(BIN / "osc-shim"), "serve", "--port", str(port), "--region", REGION,
                                 "--api-endpoint", api_url, "--no-forward", "--quiet"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        wait_port(port, proc)
        return proc, f"http://127.0.0.1:{port}"

    try:
        # The emulator the ratio is measured against: the self-check off, as OUTSCALE serves.
        emu_port = free_port()
        emu_env = base_env(home, PYTHONPATH=os.pathsep.join([str(REPO / d)
                                                             for d in ("emulator", "shim", "plugin", "serving")]))
        emu = subprocess.Popen([sys.executable, "-c", EMULATOR_WITHOUT_SELF_CHECK, str(emu_port)], env=emu_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(emu)
        wait_port(emu_port, emu)
        api_url = f"http://127.0.0.1:{emu_port}/api/v1"
        seed_images(api_url, args.images, DEFAULT_ACCOUNT_ID)
        # The same cloud with the emulator's defaults (its response self-check on), for continuity.
        checked_port = free_port()
        checked = subprocess.Popen([str(BIN / "osc-shim"), "emulator", "--port", str(checked_port)],
                                   env=emu_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(checked)
        wait_port(checked_port, checked)
        checked_url = f"http://127.0.0.1:{checked_port}/api/v1"
        seed_images(checked_url, args.images, DEFAULT_ACCOUNT_ID)

        gw, gw_url = gateway(api_url, gw_env)
        checked_gw, checked_gw_url = gateway(checked_url, gw_env)
        if args.baseline_tree:
            tree = args.baseline_tree.resolve()
            base, base_url = gateway(api_url, base_env(home, AWS_ACCESS_KEY_ID=ak, AWS_SECRET_ACCESS_KEY=sk,
                                                       PYTHONPATH=os.pathsep.join([str(tree / "shim"),
                                                                                   str(tree / "plugin")])))
        measured = {"gateway": gw} | ({"baseline gateway": base} if args.baseline_tree else {})
        # Each gateway's memory once started, then its peak under load alone (the start-up peak, while
        # botocore's model is read, is reset: /proc/<pid>/clear_refs).
        idle = {label: memory(proc.pid) for label, proc in measured.items()}
        for proc in measured.values():
            reset_peak(proc.pid)

        from osc_shim.signing import sign_headers

        owner_query = f"Action=DescribeImages&Version=2016-11-15&Owner.1={DEFAULT_ACCOUNT_ID}"
        oapi_body = json.dumps({"Filters": {"AccountIds": [DEFAULT_ACCOUNT_ID]}}).encode()

        def check_oapi(status, data):
            assert status == 200 and len(json.loads(data)["Images"]) >= args.images, data[:200]

        def check_gw(status, data):
            assert status == 200 and data.count(b"<imageId>") >= args.images, data[:300]

        def check_one(status, data):
            assert status == 200 and PUBLIC_IMAGE.encode() in data, data[:300]

        def direct_path(label, url, emulator, one_image=False):
            parts = urlsplit(url)
            path = parts.path.rstrip("/") + "/ReadImages"
            body = json.dumps({"Filters": {"ImageIds": [PUBLIC_IMAGE]}}).encode() if one_image else oapi_body
            headers = sign_headers(ak, sk, REGION, parts.netloc, path, body)
            return Path_(label, url, path, headers, body, check_one if one_image else check_oapi, emulator, None)

        def gateway_path(label, url, emulator, gateway_proc, one_image=False):
            headers, body = signed_gateway_request(
                url, ak, sk, f"Action=DescribeImages&Version=2016-11-15&ImageId.1={PUBLIC_IMAGE}" if one_image
                else owner_query)
            return Path_(label, url, "/", headers, body, check_one if one_image else check_gw, emulator, gateway_proc)

        paths = [direct_path("direct", api_url, emu), gateway_path("through", gw_url, emu, gw),
                 direct_path("direct, self-check on", checked_url, checked),
                 gateway_path("through, self-check on", checked_gw_url, checked, checked_gw),
                 # one image each way: the gateway's cost whatever the answer's size (its floor, below)
                 direct_path("direct, one image", api_url, emu, one_image=True),
                 gateway_path("through, one image", gw_url, emu, gw, one_image=True)]
        if args.baseline_tree:
            paths.append(gateway_path("baseline", base_url, emu, base))
        rounds = 6
        per_round = max(1, args.samples // rounds)
        for n in range(rounds):
            for p in (paths if n % 2 == 0 else paths[::-1]):
                before = [busy_jiffies([p.emulator.pid])[1], busy_jiffies([p.gateway.pid])[1] if p.gateway else 0]
                p.times += replay(p.url, p.target, p.headers, p.body, per_round, p.check)
                p.emulator_ticks += busy_jiffies([p.emulator.pid])[1] - before[0]
                if p.gateway:
                    p.gateway_ticks += busy_jiffies([p.gateway.pid])[1] - before[1]
        # replay() sends 20 warm-up requests before its samples: CPU is per request sent.
        sent = rounds * (per_round + 20)
        tick = 1000 / os.sysconf("SC_CLK_TCK")
        for p in paths:
            p.emulator_cpu, p.gateway_cpu = p.emulator_ticks * tick / sent, p.gateway_ticks * tick / sent
        by = {p.label: p for p in paths}

        print(f"\n2. {args.images} images, raw requests on kept-alive connections, answer read, not parsed "
              f"({per_round * rounds} samples each, interleaved; CPU per request from /proc, {tick:g} ms ticks)")
        print(f"   {'path':52} {'p50 ms':>7} {'min-max ms':>15}  server CPU ms/request")
        for p in paths:
            cpu = (f"emulator {p.emulator_cpu:.1f}" + (f" + gateway {p.gateway_cpu:.1f}" if p.gateway else "")
                   + f" = {p.emulator_cpu + p.gateway_cpu:.1f}")
            print(f"   {p.title():52} {p.p50():7.1f} {p.spread():>15}  {cpu}")

        def ratios(direct, through, heading):
            wall = through.p50() / direct.p50()
            cpu = (through.emulator_cpu + through.gateway_cpu) / direct.emulator_cpu
            added = through.emulator_cpu + through.gateway_cpu - direct.emulator_cpu
            print(f"   {heading}")
            print(f"     ratio gateway / direct, p50 wall clock        {wall:5.2f}   (goal <= 1.3)")
            print(f"     ratio of server CPU (emulator + gateway / emulator) {cpu:5.2f}   (the ratio on an idle machine)")
            print(f"     gateway's own CPU per request: gateway path minus direct path {added:5.1f} ms; "
                  f"gateway process alone {through.gateway_cpu:5.1f} ms")

        ratios(by["direct"], by["through"], "emulator with its response self-check OFF (as OUTSCALE serves):")
        least_work(by["direct"], by["direct, one image"], by["through, one image"])
        ratios(by["direct, self-check on"], by["through, self-check on"],
               "emulator with its default settings (response self-check ON), for continuity:")
        if args.baseline_tree:
            ratios(by["direct"], by["baseline"], f"baseline gateway ({args.baseline_tree}), self-check OFF:")
        after_large = {label: memory(proc.pid) for label, proc in measured.items()}

        gateway_urls = {"gateway": gw_url} | ({"baseline gateway": base_url} if args.baseline_tree else {})
        for label, url in gateway_urls.items():
            small_headers, small_body = signed_gateway_request(
                url, ak, sk, f"Action=DescribeImages&Version=2016-11-15&ImageId.1={PUBLIC_IMAGE}")
            replay(url, "/", small_headers, small_body, args.requests,
                   lambda status, data: None if status == 200 else (_ for _ in ()).throw(AssertionError(data[:300])))
        print(f"\n3. gateway process memory (MiB; goal: RSS <= 60 under load)")
        for label, proc in measured.items():
            end = memory(proc.pid)
            print(f"   {label}: started RSS {idle[label].get('VmRSS', 0):.1f} (start-up peak "
                  f"{idle[label].get('VmHWM', 0):.1f}); after the {sent} large DescribeImages RSS "
                  f"{after_large[label].get('VmRSS', 0):.1f}; after {args.requests} more small ones RSS "
                  f"{end.get('VmRSS', 0):.1f}; peak under load {end.get('VmHWM', 0):.1f}")
        return 0
    finally:
        for proc in reversed(procs):
            stop(proc)


# The emulator as `osc-shim emulator` serves it, but with its response self-check off (a setting of
# start_emulator, not of the command: the command is for testing, and tests want the check).
EMULATOR_WITHOUT_SELF_CHECK = """
import signal, sys, threading
from osc_emulator.server import start_emulator
handle = start_emulator(port=int(sys.argv[1]), check_responses=False)
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: done.set())
done.wait()
handle.stop()
"""


def least_work(direct, direct_one, through_one) -> None:
    """What the goal leaves the gateway, against what any gateway in Python must spend: its cost on a
    one-image answer (the HTTP hop, the request's checks, the OAPI call) measured in the rounds above,
    plus reading OAPI's 1,000-image answer with the parser the shim uses (in this process, which runs
    nothing else meanwhile: a lower bound of what it costs inside the gateway)."""
    import http.client

    from osc_shim.gateway.query_serialize import serialize_result
    from osc_shim.oapi.transport import _loads
    from osc_shim.operations.ec2_image import IMAGE_TABLE

    parts = urlsplit(direct.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", direct.target, body=direct.body, headers=direct.headers)
    answer = conn.getresponse().read()
    conn.close()

    def median_ms(work, samples=40):
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    items = _loads(answer)["Images"]
    fixed = through_one.p50() - direct_one.p50()
    parse = median_ms(lambda: _loads(answer))
    write = median_ms(lambda: serialize_result("DescribeImages", {"Images": IMAGE_TABLE.answer(items, True)}, "r"))
    allowed = 0.3 * direct.p50()
    print(f"   what 1.3 leaves the gateway: {allowed:.1f} ms per DescribeImages of {len(items)} images; what it "
          f"cannot avoid in Python: {fixed:.1f} ms on a one-image answer + {parse:.1f} ms to parse OAPI's "
          f"{len(answer) / 1024:.0f} KB = {fixed + parse:.1f} ms")
    print(f"     least ratio, writing the XML for free: {(direct.p50() + fixed + parse) / direct.p50():.2f}; writing "
          f"it (the writer from the table, in this process): {write:.1f} ms -> {(direct.p50() + fixed + parse + write) / direct.p50():.2f}")


def reset_peak(pid: int) -> None:
    """Linux: the process's VmHWM starts again from its RSS now (proc(5), clear_refs 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


class Path_:
    """One measured path: a signed request replayed to ``url``, and the server processes it goes through."""

    def __init__(self, label, url, target, headers, body, check, emulator, gateway):
        self.label, self.url, self.target, self.headers, self.body, self.check = label, url, target, headers, body, check
        self.emulator, self.gateway = emulator, gateway
        self.times, self.emulator_ticks, self.gateway_ticks = [], 0, 0

    def title(self) -> str:
        what = "DescribeImages through the gateway" if self.gateway else "ReadImages straight to OAPI (emulator)"
        extra = {"direct": "", "through": "", "baseline": " (baseline tree)"}.get(self.label)
        return what + (extra if extra is not None else ", " + self.label.split(", ", 1)[1])

    def p50(self) -> float:
        return statistics.median(self.times) * 1000

    def spread(self) -> str:
        return f"{min(self.times) * 1000:.1f}-{max(self.times) * 1000:.1f}"

if __name__ == "__main__":
    sys.exit(main())
