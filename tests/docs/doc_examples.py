"""The shell examples of README.md and docs/*.md, as the doc test runs them.

    python tests/docs/doc_examples.py          # list every example: run, or why not

An example is
- a fenced block tagged ``sh``, ``bash``, ``shell`` or ``console`` (for ``console``, the lines
  starting with ``$ ``), or
- an indented (4 spaces) block, outside lists, whose first command is one a reader runs
  (``COMMANDS``, or a path to a program such as ``.venv/bin/python``) or a variable assignment;
  an indented console transcript (lines starting with ``$ ``) gives its ``$ `` lines.
Its logical lines (``\\``-continued lines joined) run in order, in bash, in one sandbox per
document (a later example may use what an earlier one set up), against the emulator.

Two explicit tables say what differs from the page:
- ``SUBSTITUTIONS``: only what a real account would supply (keys, a pre-signed URL, an image ID);
- ``NOT_OFFLINE``: lines that cannot run in the sandbox, each with its reason.
A new example that does not run fails the suite until its page is fixed or a line is added here.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = ["README.md", *sorted(str(p.relative_to(REPO)) for p in (REPO / "docs").glob("*.md"))]
SHELL_FENCES = {"sh", "bash", "shell", "console"}
# First words of an indented block that make it a shell example.
COMMANDS = {"aws", "osc-shim", "pip", "pipx", "python", "python3", "make", "export", "gunicorn", "sudo",
            "git", "curl", "terraform", "ansible-playbook", "eval", "cd", "jq"}

# placeholder on the page -> what the sandbox supplies in its place ({name} = a sandbox value)
SUBSTITUTIONS = {
    "<ACCESS_KEY>": "{access_key}",
    "<SECRET_KEY>": "{secret_key}",
    '"<pre-signed URL>"': '"{presigned_url}"',
    '"https://oos.eu-west-2.outscale.com/bucket/object?AWSAccessKeyId=…&Expires=…&Signature=…"': '"{presigned_url}"',
    "'<json>'": "'{block_device_mappings}'",
    # not an account's value: the sandbox's emulator listens on an ephemeral port, not the page's 8443
    "127.0.0.1:8443": "{emulator_hostport}",
    # a file of this clone: the page names it from the clone's top, the sandbox runs elsewhere
    "sh tests/rehearse/": "sh {repo}/tests/rehearse/",
}
# Pages whose examples assume an account already set up (their text says "once the plugin is enabled
# and the command targets OUTSCALE"): the sandbox first runs what configure.md shows, for the
# default profile. Pages that set things up themselves (README, configure.md) get nothing.
ACCOUNT_SETUP = {"docs/migration-guide.md", "docs/user-guide.md", "docs/reliability.md"}
SETUP_LINES = [
    "osc-shim configure --region eu-west-2",
    "aws configure set aws_access_key_id {access_key}",
    "aws configure set aws_secret_access_key {secret_key}",
]
# Variables a script on the page expects its caller to set.
VARIABLES = {"MANIFEST_URL": "{presigned_url}", "PARTNER": "{partner_account}", "REGION": "{region}"}

# line prefix (after substitution is irrelevant: matched on the page's text) -> why it cannot run here
NOT_OFFLINE = {
    "make demo": "installs .venv and runs the demo: tests/test_demo.py runs `osc-shim demo`",
    "make test-fast": "runs this very suite's unit tests",
    "make test": "runs this very suite",
    "python -m pip install": "installs into an environment: tests/packaging/test_wheel.py installs the built wheel",
    "python -m build": "builds the distribution: tests/packaging/test_wheel.py builds it once per session",
    "pipx inject": "pipx is not installed in the sandbox; same wheel as tests/packaging/test_wheel.py",
    "sudo apt-get install": "installs a system package (scripts/install-awscli-v2.sh, run by make test)",
    "aws s3 ls": "reaches OOS: the emulator serves the OUTSCALE API, not OOS's S3 API",
    "osc-shim serve": "a server that runs until Ctrl-C: tests/gateway/test_gateway_serve.py runs it",
    "osc-shim emulator": "a server that runs until Ctrl-C: tests/emulator/test_emulator_server.py runs it",
    "python their_script.py": "the reader's own script",
    "gunicorn": "a server that runs until stopped: tests/gateway/test_gateway_serve.py runs it under gunicorn",
    '.venv/bin/python bench/': "a benchmark (make bench), minutes long: its figures are in docs/performance.md",
    'aws ec2 register-image --name "nightly 42" ...': "a transcript with elided arguments (...) of a lost answer: "
                                                      "tests/reliability/test_reconcile_cli.py runs that case",
}


@dataclass
class Example:
    document: str
    line: int  # 1-based line of the block's first line on the page
    kind: str  # fenced or indented
    lines: List[str] = field(default_factory=list)  # logical lines, as on the page
    section: str = ""  # the heading it is under

    @property
    def cli(self) -> str:
        """The AWS CLI the example is written for: v2 under a heading naming it, else v1."""
        return "v2" if "AWS CLI v2" in self.section else "v1"

    @property
    def name(self) -> str:
        return f"{self.document}:{self.line}"

    def skipped(self, line: str) -> Optional[str]:
        command = line.strip()
        return next((why for prefix, why in NOT_OFFLINE.items() if command.startswith(prefix)), None)

    def runnable_lines(self) -> List[str]:
        return [line for line in self.lines if self.skipped(line) is None]


def _logical(lines: List[str]) -> List[str]:
    out, current = [], ""
    for line in lines:
        if current:
            current += "\n" + line
        else:
            current = line
        if not line.rstrip().endswith("\\"):
            if current.strip() and not current.strip().startswith("#"):
                out.append(current)
            current = ""
    if current.strip():
        out.append(current)
    return out


def _is_shell_start(line: str) -> bool:
    word = line.strip().split(None, 1)[0] if line.strip() else ""
    program = "/" in word and os.path.basename(word) in COMMANDS | {"python3.11"}
    return word in COMMANDS or program or bool(re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", word))


def extract(document: str, text: Optional[str] = None) -> List[Example]:
    text = (REPO / document).read_text(encoding="utf-8") if text is None else text
    lines = text.splitlines()
    examples: List[Example] = []
    i = 0
    in_list = False
    section = ""
    while i < len(lines):
        line = lines[i]
        heading = re.match(r"^#{1,6}\s+(.*)", line)
        if heading:
            section = heading.group(1).strip()
        fence = re.match(r"^(\s*)(```+|~~~+)\s*([\w-]*)", line)
        if fence:
            indent, marker, lang = fence.groups()
            body, j = [], i + 1
            while j < len(lines) and not lines[j].strip().startswith(marker):
                body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j])
                j += 1
            if lang.lower() in SHELL_FENCES:
                if lang.lower() == "console":
                    body = [b[2:] for b in body if b.startswith("$ ")]
                examples.append(Example(document, i + 1, "fenced", _logical(body), section))
            i = j + 1
            continue
        if re.match(r"^\s*([-*+]|\d+\.)\s", line):
            in_list = True
        elif not line.strip():
            pass
        elif not line.startswith(" "):
            in_list = False
        previous_blank = i == 0 or not lines[i - 1].strip()
        if line.startswith("    ") and line.strip() and previous_blank and not in_list:
            body, j = [], i
            while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                body.append(lines[j][4:])
                j += 1
            while body and not body[-1].strip():
                body.pop()
            if body[0].startswith("$ "):  # a console transcript: its commands
                body = [b[2:] for b in body if b.startswith("$ ")]
            if _is_shell_start(body[0]):
                examples.append(Example(document, i + 1, "indented", _logical(body), section))
            i = j
            continue
        i += 1
    return examples


def all_examples() -> List[Example]:
    return [ex for doc in DOCUMENTS for ex in extract(doc)]


def substitute(line: str, values: dict) -> str:
    for placeholder, replacement in SUBSTITUTIONS.items():
        line = line.replace(placeholder, replacement.format(**values))
    return line


def main() -> int:
    for ex in all_examples():
        print(f"{ex.name} ({ex.kind}, AWS CLI {ex.cli})")
        for line in ex.lines:
            why = ex.skipped(line)
            first = line.splitlines()[0]
            print(f"  {'SKIP' if why else 'run '} {first}" + (f"    # {why}" if why else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
