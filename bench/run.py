"""Run every benchmark of the project, one after the other, and print their figures.

    make bench            # = .venv/bin/python bench/run.py

Each script is also standalone; docs/performance.md records the figures with this command.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["plugin_bench.py", "gateway_bench.py", "gateway_load_bench.py", "fuzz_bench.py", "copy_bench.py"]


def main() -> int:
    failed = []
    for name in SCRIPTS:
        print(f"\n===== {name} =====", flush=True)
        if subprocess.run([sys.executable, str(HERE / name)]).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
