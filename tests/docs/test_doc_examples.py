"""Every shell example of README.md and docs/ runs as written, against the emulator, in a sandbox.

The examples, the substitutions (what a real account supplies) and the lines that cannot run
offline (with their reasons) are in ``doc_examples.py``; ``python tests/docs/doc_examples.py``
lists them. One sandbox per document: a temporary HOME and AWS config files, the real ``aws``
(v1, or Debian's v2 under an "AWS CLI v2" heading, with its own config file as the docs advise)
and ``osc-shim`` of this tree first on PATH, the OUTSCALE API at the emulator (OSC_ENDPOINT_API,
as the demo does), and any other connection sent to a dead proxy so nothing leaves the machine.
Images stay pending for one read, as on OUTSCALE (so a script exporting before waiting fails);
the AWS CLI v1's waiters poll every second instead of every 15 (a waiter model on AWS_DATA_PATH).
"""

import json
import os
import subprocess
import sys

import pytest

from doc_examples import ACCOUNT_SETUP, DOCUMENTS, REPO, SETUP_LINES, VARIABLES, all_examples, extract, substitute

from support.sandbox_env import AWS_V1, AWS_V2, SOURCE_PATHS, clean_env

emulator = pytest.importorskip("osc_emulator")

PARTNER = ("AKIAPARTNER000000001", "partner-secret", "210987654321")
BDM = '[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 10, "VolumeType": "standard"}}]'
RUNNABLE = [doc for doc in DOCUMENTS if any(ex.runnable_lines() for ex in extract(doc))]


def _bin_dir(home, aws):
    """``aws`` (the binary given) and ``osc-shim`` (this tree's code, whatever PYTHONPATH says)."""
    bindir = home / f"bin-{aws.name}-{abs(hash(str(aws)))}"
    if not bindir.exists():
        bindir.mkdir()
        (bindir / "aws").symlink_to(aws)
        shim = bindir / "osc-shim"
        shim.write_text(f"#!{sys.executable}\nimport sys\nsys.path[:0] = {SOURCE_PATHS!r}\n"
                        "from osc_shim.cli import main\nmain()\n")
        shim.chmod(0o755)
    return str(bindir)


def _fast_waiters(root):
    """The EC2 waiter model of the botocore AWS CLI v1 runs on, with a 1 s delay, for AWS_DATA_PATH (same
    waiters, same conditions).  awscli 1.46+ carries its own botocore (``awscli.botocore``), whose EC2 model
    may lack operations that the separate botocore's waiters poll: the waiters must match the CLI's model."""
    try:
        from awscli import botocore
    except ImportError:  # older awscli releases run on the separate botocore package
        import botocore

    version = "2016-11-15"
    model = json.loads((__import__("pathlib").Path(botocore.__file__).parent / "data" / "ec2" / version /
                        "waiters-2.json").read_text())
    for waiter in model["waiters"].values():
        waiter["delay"] = 1
    target = root / "ec2" / version
    target.mkdir(parents=True)
    (target / "waiters-2.json").write_text(json.dumps(model))
    return str(root)


def _v2_available():
    if AWS_V2.exists():
        return True
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{AWS_V2} (AWS CLI v2) is missing: run scripts/install-awscli-v2.sh")
    return False


@pytest.mark.parametrize("document", RUNNABLE)
def test_document_examples_run(document, tmp_path):
    from osc_emulator import seeding
    from osc_emulator.models import DEFAULT_ACCESS_KEY, DEFAULT_ACCOUNT_ID, DEFAULT_SECRET_KEY

    emu = emulator.start_emulator(accounts={DEFAULT_ACCESS_KEY: (DEFAULT_SECRET_KEY, DEFAULT_ACCOUNT_ID),
                                            PARTNER[0]: PARTNER[1:]}, pending_reads=1, export_reads=1)
    try:
        emu.cloud.create_bucket("exports")
        values = {"access_key": DEFAULT_ACCESS_KEY, "secret_key": DEFAULT_SECRET_KEY,
                  "presigned_url": seeding.seed_manifest(emu, "nightly"), "block_device_mappings": BDM,
                  "partner_account": PARTNER[2], "region": emu.region,
                  "emulator_hostport": emu.url.split("//", 1)[1], "repo": str(REPO)}
        home = tmp_path / "home"
        home.mkdir()
        waiters = _fast_waiters(tmp_path / "waiters")
        ran = 0
        setup = [line.format(**values) for line in SETUP_LINES] if document in ACCOUNT_SETUP else []
        for example in extract(document):
            lines = [substitute(line, values) for line in example.runnable_lines()]
            if not lines:
                continue
            lines, setup = setup + lines, []
            extra = {}
            if example.cli == "v2":
                if not _v2_available():
                    continue
                aws, extra["AWS_CONFIG_FILE"] = AWS_V2, str(home / ".aws-v2" / "config")
            else:
                aws, extra["AWS_DATA_PATH"] = AWS_V1, waiters
            env = clean_env(home, OSC_ENDPOINT_API=emu.api_url_template, AWS_MAX_ATTEMPTS="1",
                            OSC_ENDPOINT_OOS=emu.url + "/oos/{region}", OSC_SHIM_POLL_SECONDS="0.05",
                            HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9",
                            PATH=os.pathsep.join([_bin_dir(home, aws), "/usr/bin", "/bin"]),
                            **{name: template.format(**values) for name, template in VARIABLES.items()}, **extra)
            if example.cli == "v2":  # v2 imports the plugin from the copy cli_legacy_plugin_path names, only
                del env["PYTHONPATH"]
            script = "set -eo pipefail\n" + "\n".join(lines) + "\n"
            done = subprocess.run(["bash", "-c", script], env=env, cwd=str(home), capture_output=True, text=True,
                                  timeout=300, stdin=subprocess.DEVNULL)
            assert done.returncode == 0 and "Traceback" not in done.stderr, (
                f"{example.name} fails as written (rc {done.returncode}):\n{script}\n"
                f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}")
            ran += 1
        assert ran
    finally:
        emu.stop()


def test_extractor_finds_the_forms_of_the_pages():
    page = "\n".join([
        "# T", "", "    aws ec2 describe-images   # indented", "", "- a list", "", "    not code in a list", "",
        "```sh", "osc-shim endpoints \\", "  --json", "# a comment", "```", "", "```console",
        "$ osc-shim translate -- aws ec2 deregister-image --image-id ami-12345678", "output line", "```", "",
        "```ini", "[plugins]", "```", "", "    [profile x]", "", "## AWS CLI v2", "", "    aws --version", "", "text", "",
        "    $ .venv/bin/aws --version", "    aws-cli/1.x", "",
    ])
    found = [(ex.line, ex.kind, ex.lines, ex.cli) for ex in extract("page.md", page)]
    assert found == [
        (3, "indented", ["aws ec2 describe-images   # indented"], "v1"),
        (9, "fenced", ["osc-shim endpoints \\\n  --json"], "v1"),
        (15, "fenced", ["osc-shim translate -- aws ec2 deregister-image --image-id ami-12345678"], "v1"),
        (28, "indented", ["aws --version"], "v2"),
        (32, "indented", [".venv/bin/aws --version"], "v2"),
    ]


def test_every_page_is_looked_at():
    """A page with shell examples is either run or has each line explained in NOT_OFFLINE."""
    examples = all_examples()
    assert {ex.document for ex in examples} >= {"README.md", "docs/configure.md", "docs/migration-guide.md"}
    for ex in examples:
        for line in ex.lines:
            assert ex.skipped(line) is None or ex.skipped(line).strip()
