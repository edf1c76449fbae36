#!/usr/bin/env python3
"""Reliability benchmark: hostile-input properties at scale, then the fault matrix.

    .venv/bin/python bench/fuzz_bench.py                   # everything (about 3-4 minutes)
    .venv/bin/python bench/fuzz_bench.py --quick           # 1/10 of the cases, shim-level matrix only
    .venv/bin/python bench/fuzz_bench.py --json out.json   # figures as JSON too

1. Hypothesis properties (tests/reliability/reliability_props.py): the translators fed model-driven,
   mutated and junk params (``--translator-cases``), the gateway's WSGI app fed signed hostile form
   bodies and encodings (``--gateway-cases``); together at least 10,000 cases by default.  A case
   fails when anything but a result or an EC2-style error comes out.
2. The fault matrix (tests/reliability/fault_matrix.py): every injected fault against the creates,
   through the shim core, the real ``aws`` CLI with the plugin, and boto3 through the gateway;
   each outcome checked against issue 6's invariant (one resource, or a clear "nothing created").

Exit status 0 when no case failed.  ``run()`` returns the figures for bench/run.py.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _path in (REPO / "tests" / "reliability", REPO / "tests", REPO / "shim", REPO / "plugin"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))


def _property(name: str, strategy, check, cases: int, seed: int) -> dict:
    """Run ``check`` on ``cases`` examples of ``strategy``; figures and the first failure, if any."""
    from hypothesis import HealthCheck, Phase, given, seed as hseed, settings

    outcomes = collections.Counter()
    ran = [0]

    @hseed(seed)
    @settings(max_examples=cases, deadline=None, database=None, phases=[Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(example=strategy)
    def prop(example):
        ran[0] += 1
        outcomes[check(example)] += 1

    started = time.perf_counter()
    failure = None
    try:
        prop()
    except Exception as exc:  # the falsifying example, after shrinking
        failure = f"{type(exc).__name__}: {str(exc)[:600]}"
    elapsed = time.perf_counter() - started
    return {"property": name, "cases": ran[0], "failures": 0 if failure is None else 1, "seconds": round(elapsed, 2),
            "cases_per_second": round(ran[0] / elapsed, 1) if elapsed else None,
            "outcomes": dict(outcomes.most_common(12)), "distinct_outcomes": len(outcomes), "failure": failure}


def hostile_input(translator_cases: int, gateway_cases: int, seed: int) -> list:
    import reliability_props as props

    cloud = props.Cloud()
    gateway = props.GatewayUnderTest(cloud)
    return [
        _property("translators (core.call, every translated operation)", props.operation_and_params(),
                  lambda case: props.translation(cloud, *case), translator_cases, seed),
        _property("gateway request parser (signed hostile form bodies / encodings)", props.form_bodies(),
                  lambda request: props.gateway_request(gateway, *request), gateway_cases, seed + 1),
    ]


def _sandbox() -> None:
    """This process never reads the user's ~/.aws or ~/.osc, nor their AWS_*/OSC_* settings."""
    import tempfile

    for key in list(os.environ):
        if key.startswith(("AWS_", "OSC_", "BOTO_")):
            del os.environ[key]
    home = Path(tempfile.mkdtemp(prefix="fuzz-bench-home-"))
    for name in ("aws-config", "aws-credentials"):
        (home / name).write_text("")
    os.environ.update({"HOME": str(home), "AWS_CONFIG_FILE": str(home / "aws-config"),
                       "AWS_SHARED_CREDENTIALS_FILE": str(home / "aws-credentials"),
                       "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "127.0.0.1,localhost"})
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(name, None)


def fault_matrix(fronts, quick: bool) -> list:
    import threading

    import fault_matrix as fm
    import reliability_env as env

    os.environ.update(env.FAST)
    emu = env.start(pending_reads=0, export_reads=0, threads=8)
    os.environ["OSC_ENDPOINT_API"] = emu.api_url
    outcomes = []
    try:
        cases = fm.SHORT if quick else fm.CASES
        if "shim" in fronts:
            for operation in fm.CREATE_ACTION:  # every operation in the matrix (fault_matrix.SCOPE)
                for case in (cases if operation in fm.EVERY_CASE else fm.SHORT):
                    for older in ((False, True) if operation in fm.CREATES else (False,)):
                        outcomes.append(("shim", fm.run_case(emu, operation, case, fm.shim_driver(emu),
                                                             older=older)))
        if "cli" in fronts and env.AWS.exists():
            import tempfile

            from test_reconcile_cli import CLI_BOUND, Aws, cli_driver

            aws = Aws(Path(tempfile.mkdtemp(prefix="fuzz-bench-aws-")), emu)
            for case in cases:
                for older in (False, True):
                    outcomes.append(("aws cli + plugin", fm.run_case(emu, "RegisterImage", case, cli_driver(aws),
                                                                     bound=CLI_BOUND, older=older)))
        if "gateway" in fronts:
            from osc_shim.gateway.app import create_app
            from osc_shim.gateway.server import GatewayServer

            from test_reconcile_gateway import GATEWAY_BOUND, boto3_driver, client

            app = create_app(credentials=env.credentials(), region=env.REGION, forward=False)
            server = GatewayServer(app, host="127.0.0.1", port=0, threads=8, grace=1.0)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                ec2 = client(server)
                for case in cases:
                    for older in (False, True):
                        outcomes.append(("boto3 + gateway", fm.run_case(emu, "RegisterImage", case,
                                                                        boto3_driver(ec2), bound=GATEWAY_BOUND,
                                                                        older=older)))
            finally:
                server.shutdown()
                thread.join(10)
    finally:
        emu.stop()
    return outcomes


def run(translator_cases: int = 6000, gateway_cases: int = 4500, fronts=("shim", "cli", "gateway"),
        quick: bool = False, seed: int = 20261127, out=sys.stdout) -> dict:
    import logging

    _sandbox()
    # The gateway's warnings (lost answers reconciled) and waitress's notes on cut answers are expected here.
    for name in ("waitress", "osc_shim"):
        logging.getLogger(name).setLevel(logging.ERROR)
    started = time.perf_counter()
    props = hostile_input(translator_cases, gateway_cases, seed)
    print("== Hostile input (hypothesis) ==", file=out)
    for p in props:
        print(f"{p['property']}: {p['cases']} cases, {p['failures']} failures, {p['seconds']} s "
              f"({p['cases_per_second']} cases/s), {p['distinct_outcomes']} distinct outcomes", file=out)
        print("   most frequent outcomes: " + ", ".join(f"{k} {v}" for k, v in p["outcomes"].items()), file=out)
        if p["failure"]:
            print(f"   FAILURE: {p['failure']}", file=out)
    total_cases = sum(p["cases"] for p in props)
    print(f"total: {total_cases} cases, {sum(p['failures'] for p in props)} failures", file=out)

    matrix_started = time.perf_counter()
    rows = fault_matrix(fronts, quick) if fronts else []
    matrix_seconds = time.perf_counter() - matrix_started
    if rows:
        import fault_matrix as fm

        print("\n== Fault matrix ==", file=out)
        for front in dict.fromkeys(f for f, _ in rows):
            mine = [o for f, o in rows if f == front]
            print(f"\n-- {front}: {len(mine)} runs, {sum(1 for o in mine if o.problems)} with problems", file=out)
            print(fm.table(mine), file=out)
        verdicts = collections.Counter(o.verdict for _, o in rows)
        print(f"\nmatrix: {len(rows)} runs in {matrix_seconds:.1f} s, "
              f"{sum(1 for _, o in rows if o.problems)} with problems; outcomes: "
              + ", ".join(f"{k} {v}" for k, v in verdicts.items()), file=out)
        slowest = max(rows, key=lambda r: r[1].seconds)
        print(f"slowest run: {slowest[1].seconds:.2f} s ({slowest[0]}, {slowest[1].operation}, {slowest[1].case})",
              file=out)
    figures = {
        "hostile_input": props, "total_cases": total_cases,
        "property_failures": sum(p["failures"] for p in props),
        "fault_matrix": [dict(front=f, operation=o.operation, fault=o.case, outcome=o.verdict, code=o.code,
                              seconds=round(o.seconds, 2), faults_fired=len(o.faults), problems=o.problems,
                              message=o.message[:300]) for f, o in rows],
        "fault_matrix_problems": sum(1 for _, o in rows if o.problems),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(f"\nfuzz_bench: {figures['seconds']} s in all", file=out)
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--translator-cases", type=int, default=6000)
    parser.add_argument("--gateway-cases", type=int, default=4500)
    parser.add_argument("--fronts", default="shim,cli,gateway",
                        help="fault-matrix front ends: shim, cli, gateway (comma-separated; empty: none)")
    parser.add_argument("--quick", action="store_true", help="1/10 of the cases and the short fault list")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    fronts = tuple(f for f in args.fronts.split(",") if f)
    tcases, gcases = args.translator_cases, args.gateway_cases
    if args.quick:
        tcases, gcases, fronts = max(1, tcases // 10), max(1, gcases // 10), tuple(f for f in fronts if f == "shim")
    figures = run(tcases, gcases, fronts, args.quick, args.seed)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 1 if figures["property_failures"] or figures["fault_matrix_problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
