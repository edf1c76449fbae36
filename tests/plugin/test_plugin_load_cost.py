"""The AWS CLI imports the plugin on every command: loading it must cost nothing visible."""

import json
import subprocess
import sys

from plugin_sandbox import SOURCE_PATHS, clean_env

PROBE = r"""
import json, sys, time
before = set(sys.modules)
started = time.perf_counter()
import awscli_plugin_outscale

class Hooks:  # what the AWS CLI hands to awscli_initialize
    def __init__(self):
        self.events = []
    def register(self, event, handler, unique_id=None, unique_id_uses_count=False):
        self.events.append(event)

hooks = Hooks()
awscli_plugin_outscale.awscli_initialize(hooks)
elapsed = time.perf_counter() - started
new = sorted(m for m in set(sys.modules) - before)
print(json.dumps({"new": new, "events": hooks.events, "seconds": elapsed,
                  "file": awscli_plugin_outscale.__file__}))
"""

# The probe imports json itself, before measuring.
HEAVY = ("botocore", "boto3", "awscli", "osc_shim", "urllib3", "requests", "yaml", "jsonschema",
         "click", "dataclasses", "http", "email", "ssl", "socket")


def test_loading_the_plugin_imports_nothing_heavy(tmp_path):
    env = clean_env(tmp_path)
    done = subprocess.run([sys.executable, "-S", "-c", f"import sys; sys.path[:0] = {SOURCE_PATHS!r}\n" + PROBE],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["file"].endswith("awscli_plugin_outscale/__init__.py")
    heavy = [m for m in report["new"] if m.split(".")[0] in HEAVY]
    assert heavy == [], heavy
    assert "osc_shim.routing" not in report["new"]  # asked at session-initialized, not at load
    assert report["events"][0] == "session-initialized" and "before-call.ec2" in report["events"]
    # How long it takes is measured by bench/plugin_bench.py, not asserted here.
