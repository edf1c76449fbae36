"""Fresh virtual environments, as a new user has them: one with only ``awscli`` v1 from the index,
and one with ``awscli`` plus the wheel ``python -m build`` makes of this tree.

Creating them costs a ``pip install`` each (seconds to a minute): the fixtures in tests/conftest.py
build each once per session and share it.  Nothing here puts the working tree on sys.path: these
environments see only what was installed into them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from support.sandbox_env import REPO, clean_env

PIP = ("-m", "pip", "install", "--quiet", "--disable-pip-version-check")
# awscli v1, as `pip install awscli` gives it (same lower bound as the `cli` extra).
AWSCLI = "awscli>=1.29"


@dataclass
class Venv:
    root: Path
    seconds: float  # how long creating it and installing into it took

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def aws(self) -> Path:
        return self.root / "bin" / "aws"

    def bin(self, name: str) -> Path:
        return self.root / "bin" / name


def env_without_tree(home: Path, **extra) -> dict:
    """The test sandbox without the working tree on PYTHONPATH: what is installed is all there is."""
    env = clean_env(home, **extra)
    env.pop("PYTHONPATH", None)
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    return env


def run(argv, env, timeout=600, cwd=None) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in argv], env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=cwd, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{argv} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def make_venv(root: Path, *requirements: str, home: Path) -> Venv:
    started = time.perf_counter()
    env = env_without_tree(home)
    run([sys.executable, "-m", "venv", root], env)
    run([root / "bin" / "python", *PIP, *requirements], env)
    return Venv(root, time.perf_counter() - started)


def build_dist(out_dir: Path, home: Path) -> dict:
    """``python -m build`` of the working tree: {"wheel": Path, "sdist": Path}."""
    env = env_without_tree(home)
    # As the README says: an isolated build (pip fetches the build backend, setuptools, from the index).
    run([sys.executable, "-m", "build", "--outdir", out_dir, REPO], env, cwd=out_dir)
    wheels = sorted(out_dir.glob("*.whl"))
    sdists = sorted(out_dir.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, os.listdir(out_dir)
    return {"wheel": wheels[0], "sdist": sdists[0]}
