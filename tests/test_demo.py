"""The README's first command runs the main job: `osc-shim demo` (what `make demo` calls)."""

import re
import subprocess

from support.sandbox_env import OSC_SHIM, clean_env


def test_demo_registers_the_documented_image(tmp_path):
    done = subprocess.run([str(OSC_SHIM), "demo"], env=clean_env(tmp_path), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    # The documentation's command, answered as EC2 answers it.
    assert re.search(r'\{\s*"ImageId": "ami-[0-9a-f]{8}"\s*\}', out), out
    # The page's own 2017 URL fails with the expiry, a bucket path names what is missing.
    assert "expired at 2017-05-05T08:12:20Z" in out
    assert "(MissingParameter)" in out and "RootDeviceName" in out
    # From a snapshot: i386 by default; read back with RootDeviceType ebs.
    assert re.search(r"ami-[0-9a-f]{8}\s+pending\s+i386\s+'from a snapshot'", out), out
    assert '"RootDeviceType": "ebs"' in out
    # Nothing secret is printed: the pre-signed URLs are redacted.
    assert "Signature=REDACTED" in out and not re.search(r"Signature=(?!REDACTED)", out)
