"""The two designs for the emulator's FCU face, measured side by side (issue 14).

    .venv/bin/python bench/fcu_design_bench.py

A: an FCU face over the emulator's own cloud (what the project ships: ``osc_emulator.fcu``).
B: the emulator keeping its state in moto's EC2 backend (moto[server] is installed with the test extras).

Each side runs in a fresh Python: import, build the state, run one instance and describe it 200 times;
the figures are wall time to a ready state, peak RSS, images seeded that OUTSCALE does not have.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EMULATOR = str(Path(__file__).resolve().parents[1] / "emulator")

OURS = f"""
import json, resource, sys, time
sys.path.insert(0, {EMULATOR!r})
t0 = time.perf_counter()
from osc_emulator import schema
from osc_emulator.fcu_instances import describe_instances, run_instances
from osc_emulator.store import Cloud
schema.spec()
cloud = Cloud()
t1 = time.perf_counter()
caller = cloud.default_account
run_instances(cloud, caller, {{"ImageId": "ami-0b0c0a01", "MinCount": 1, "MaxCount": 1}})
t2 = time.perf_counter()
for _ in range(200):
    describe_instances(cloud, caller, {{}})
t3 = time.perf_counter()
print(json.dumps({{"ready": t1 - t0, "describe200": t3 - t2, "images": len(cloud.images),
                   "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

MOTO = """
import json, resource, time
t0 = time.perf_counter()
from moto.ec2.models import ec2_backends
backend = ec2_backends["123456789012"]["eu-west-2"]
images = list(backend.amis.values())
t1 = time.perf_counter()
backend.run_instances(images[0].id, 1, None, [], instance_type="t2.micro", is_instance_type_default=False)
t2 = time.perf_counter()
for _ in range(200):
    backend.describe_instances()
t3 = time.perf_counter()
print(json.dumps({"ready": t1 - t0, "describe200": t3 - t2, "images": len(images),
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    ours = measure(OURS)
    try:
        moto = measure(MOTO)
    except SystemExit as exc:
        print(f"moto not measurable here: {str(exc)[-200:]}")
        return 1
    print(f"{'':28}{'A: own cloud':>14}{'B: moto backend':>17}{'B/A':>8}")
    for key, label in (("ready", "import + state ready (s)"), ("rss_mib", "peak RSS (MiB)"),
                       ("describe200", "200 DescribeInstances (s)"), ("images", "images seeded")):
        ratio = moto[key] / ours[key] if ours[key] else float("inf")
        print(f"{label:28}{ours[key]:>14.3f}{moto[key]:>17.3f}{ratio:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
