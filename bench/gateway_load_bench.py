"""The gateway under load and abuse (issue 10): loopback only, bounded loops; prints figures.

    PYTHONPATH=shim:plugin .venv/bin/python bench/gateway_load_bench.py [--images 1000] [--requests 2800]

1. Abuse, side by side, server setups in this process (a stand-in shim answers DescribeImages): with
   ``--held`` connections open (half idle, half with half a header sent), the time a real signed boto3
   request on a new connection takes to be answered (bounded: ``--patience`` s), and how long a
   connection that sends nothing stays open (bounded probe) -- for waitress's defaults as the gateway
   had them (connection_limit 100, channel_timeout 120, select()) and the chosen setup
   (``GatewayServer``: poll(), 4,096 connections, gateway/framing.py's timeouts).
2. DescribeImages of ``--images`` images through ``osc-shim serve`` (-> shim -> OAPI ReadImages on the
   emulator) against the same ReadImages sent straight to the emulator: raw pre-signed requests
   replayed on kept-alive connections, the answer's bytes read but not parsed (client-side parsing
   left out), rounds interleaved, ratio of medians in one run (goal <= 1.3); beside it the CPU time the
   server processes (emulator, gateway) spent per request on each path, from /proc: on a machine
   shared with other work the wall-clock ratio moves with the load, the CPU ratio much less.
3. The gateway process's memory (VmRSS / VmHWM) idle, after ``--requests`` small DescribeImages and
   the large ones of 2. (goal: RSS <= 60 MiB).
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
from gateway_bench import (BIN, PUBLIC_IMAGE, REGION, base_env, busy_jiffies, free_port, memory,  # noqa: E402
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
    try:
        emu_port, gw_port = free_port(), free_port()
        emu = subprocess.Popen([str(BIN / "osc-shim"), "emulator", "--port", str(emu_port)], env=base_env(home),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(emu)
        wait_port(emu_port, emu)
        api_url = f"http://127.0.0.1:{emu_port}/api/v1"
        seed_images(api_url, args.images, DEFAULT_ACCOUNT_ID)
        gw = subprocess.Popen([str(BIN / "osc-shim"), "serve", "--port", str(gw_port), "--region", REGION,
                               "--api-endpoint", api_url, "--no-forward", "--quiet"],
                              env=base_env(home, AWS_ACCESS_KEY_ID=ak, AWS_SECRET_ACCESS_KEY=sk),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        procs.append(gw)
        wait_port(gw_port, gw)
        gw_url = f"http://127.0.0.1:{gw_port}"
        idle = memory(gw.pid)
        base = None
        if args.baseline_tree:
            base_port, tree = free_port(), args.baseline_tree.resolve()
            base = subprocess.Popen([str(BIN / "osc-shim"), "serve", "--port", str(base_port), "--region", REGION,
                                     "--api-endpoint", api_url, "--no-forward", "--quiet"],
                                    env=base_env(home, AWS_ACCESS_KEY_ID=ak, AWS_SECRET_ACCESS_KEY=sk,
                                                 PYTHONPATH=os.pathsep.join([str(tree / "shim"), str(tree / "plugin")])),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            procs.append(base)
            wait_port(base_port, base)
            base_url = f"http://127.0.0.1:{base_port}"

        from osc_shim.signing import sign_headers

        parts = urlsplit(api_url)
        path = parts.path.rstrip("/") + "/ReadImages"
        oapi_body = json.dumps({"Filters": {"AccountIds": [DEFAULT_ACCOUNT_ID]}}).encode()
        oapi_headers = sign_headers(ak, sk, REGION, parts.netloc, path, oapi_body)
        gw_headers, gw_body = signed_gateway_request(gw_url, ak, sk,
                                                     f"Action=DescribeImages&Version=2016-11-15&Owner.1={DEFAULT_ACCOUNT_ID}")

        def check_oapi(status, data):
            assert status == 200 and len(json.loads(data)["Images"]) >= args.images, data[:200]

        def check_gw(status, data):
            assert status == 200 and data.count(b"<imageId>") >= args.images, data[:300]

        direct, through, baseline, rounds = [], [], [], 6
        per_round = max(1, args.samples // rounds)
        cpu = {"direct": 0, "through": 0, "baseline": 0}  # clock ticks of the server processes
        paths = [("direct", api_url, path, oapi_headers, oapi_body, check_oapi, direct, [emu.pid]),
                 ("through", gw_url, "/", gw_headers, gw_body, check_gw, through, [emu.pid, gw.pid])]
        if base is not None:
            base_headers, base_body = signed_gateway_request(
                base_url, ak, sk, f"Action=DescribeImages&Version=2016-11-15&Owner.1={DEFAULT_ACCOUNT_ID}")
            paths.append(("baseline", base_url, "/", base_headers, base_body, check_gw, baseline, [emu.pid, base.pid]))
        for n in range(rounds):
            for label, url, target, headers, body, check, into, pids in (paths if n % 2 == 0 else paths[::-1]):
                before = busy_jiffies(pids)[1]
                into += replay(url, target, headers, body, per_round, check)
                cpu[label] += busy_jiffies(pids)[1] - before
        d, g = statistics.median(direct) * 1000, statistics.median(through) * 1000
        # replay() sends 20 warm-up requests before its samples: CPU is per request sent.
        sent = rounds * (per_round + 20)
        tick = 1000 / os.sysconf("SC_CLK_TCK")
        cd, cg = cpu["direct"] * tick / sent, cpu["through"] * tick / sent
        print(f"\n2. {args.images} images, raw requests on kept-alive connections, answer read, not parsed "
              f"({len(direct)} samples each, interleaved)")
        print(f"   ReadImages straight to OAPI (emulator)        p50 {d:8.1f} ms  (min {min(direct) * 1000:.1f}, "
              f"max {max(direct) * 1000:.1f}); server CPU {cd:.1f} ms/request")
        print(f"   DescribeImages through the gateway           p50 {g:8.1f} ms  (min {min(through) * 1000:.1f}, "
              f"max {max(through) * 1000:.1f}); server CPU {cg:.1f} ms/request")
        print(f"   ratio gateway / direct                           {g / d:8.2f}   (goal <= 1.3)")
        print(f"   ratio of server CPU (emulator + gateway / emulator) {cg / cd:5.2f}   "
              "(what the ratio is on an idle machine)")
        if base is not None:
            b, cb = statistics.median(baseline) * 1000, cpu["baseline"] * tick / sent
            print(f"   baseline gateway ({args.baseline_tree})  p50 {b:8.1f} ms  (min {min(baseline) * 1000:.1f}, "
                  f"max {max(baseline) * 1000:.1f}); server CPU {cb:.1f} ms/request; ratio {b / d:.2f}, "
                  f"CPU ratio {cb / cd:.2f}")
            print(f"   gateway's own CPU per request: {cg - cd:.1f} ms, baseline's {cb - cd:.1f} ms")
        after_large = memory(gw.pid)

        small_headers, small_body = signed_gateway_request(
            gw_url, ak, sk, f"Action=DescribeImages&Version=2016-11-15&ImageId.1={PUBLIC_IMAGE}")
        replay(gw_url, "/", small_headers, small_body, args.requests,
               lambda status, data: None if status == 200 else (_ for _ in ()).throw(AssertionError(data[:300])))
        end = memory(gw.pid)
        print(f"\n3. gateway process memory (MiB): idle RSS {idle.get('VmRSS', 0):.1f}; after the "
              f"{len(through) + 20 * rounds} large DescribeImages RSS {after_large.get('VmRSS', 0):.1f}; after "
              f"{args.requests} more small ones RSS {end.get('VmRSS', 0):.1f}, peak {end.get('VmHWM', 0):.1f} "
              "(goal RSS <= 60)")
        return 0
    finally:
        for proc in reversed(procs):
            stop(proc)


if __name__ == "__main__":
    sys.exit(main())
