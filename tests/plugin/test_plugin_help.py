"""OUTSCALE notes in the AWS CLI's own help, through its documentation events, with the real binaries.

``aws ec2 register-image help`` is rendered by awscli (reST -> groff) and printed with ``PAGER=cat``;
the text compared is squashed (no spaces, no hyphens) because groff justifies and hyphenates it.
"""

import re
import subprocess

import pytest

from osc_shim.operations import MEMBER_TABLES
from osc_shim.operations.engine import Handled, Map, Refuse

from plugin_sandbox import AWS, SOURCE_PATHS, clean_env

PLUGIN_ONLY = "[plugins]\noutscale = awscli_plugin_outscale\n"


def squash(text: str) -> str:
    text = re.sub(r".\x08", "", text)  # groff's overstrike (bold, underline)
    return re.sub(r"[\s\-]", "", text).lower()


def help_page(aws, home, config_text, *words, **env):
    config = home / "aws-config"
    config.write_text(config_text)
    done = subprocess.run([str(aws), "ec2", *words, "help"], env=clean_env(home, PAGER="cat", MANPAGER="cat", **env),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def expected_lines(operation):
    """What the member tables say about each top-level option of ``operation``."""
    for (op, path), table in MEMBER_TABLES.items():
        if op != operation:
            continue
        for member, rule in table.items():
            if isinstance(rule, Map):
                yield member, path, f"sent as {rule.target}"
            elif isinstance(rule, Refuse):
                yield member, path, f"refused: {rule.reason}"
            elif isinstance(rule, Handled):
                yield member, path, f"handled: {rule.note}"


@pytest.fixture(scope="module")
def register_image_help(tmp_path_factory):
    home = tmp_path_factory.mktemp("help")
    return squash(help_page(AWS, home, PLUGIN_ONLY, "register-image"))


def test_register_image_help_says_what_it_becomes(register_image_help):
    page = register_image_help
    assert squash("On OUTSCALE (awscli-plugin-outscale)") in page
    assert squash("On OUTSCALE this operation becomes CreateImage") in page
    for member, path, line in expected_lines("RegisterImage"):
        assert squash(line) in page, (member, path, line)
    # the options the issue names, each explained in its own entry too: --kernel-id refused,
    # --ena-support accepted only as false (what Terraform sends; OUTSCALE VMs have no ENA)
    for option, rule in (("--kernel-id", "refused: OUTSCALE images boot their own kernel"),
                         ("--ena-support", "handled: false accepted, not sent")):
        entry = page[page.index(squash(f"{option} (")):]
        assert entry.index(squash(f"On OUTSCALE: {rule}")) < 400, option
    assert squash("i386 sent when omitted") in page


def test_other_pages_are_aws_alone(tmp_path):
    page = squash(help_page(AWS, tmp_path, PLUGIN_ONLY, "describe-instances"))
    assert "outscale" not in page
    without_plugin = squash(help_page(AWS, tmp_path, "", "register-image"))
    assert "outscale" not in without_plugin and squash("--kernel-id") in without_plugin


def test_every_translated_operation_gets_its_section(tmp_path):
    """The same handler for every operation of the tables (two more pages, one refusing by name)."""
    page = squash(help_page(AWS, tmp_path, PLUGIN_ONLY, "export-image"))
    assert squash("becomes CreateImageExportTask") in page
    page = squash(help_page(AWS, tmp_path, PLUGIN_ONLY, "deregister-image"))
    assert squash("becomes DeleteImage") in page and squash("refused:") in page


@pytest.mark.awscli_v2
def test_v2_help_has_the_notes(tmp_path):
    from osc_shim import profile as cfg
    from support.sandbox_env import AWS_V2

    if not AWS_V2.exists():
        pytest.skip("Debian's AWS CLI v2 is not installed (scripts/install-awscli-v2.sh)")
    aws_v2 = AWS_V2
    plugin_dir = tmp_path / "outscale-plugin"
    cfg.install_plugin_dir(str(plugin_dir))
    config = f"[plugins]\noutscale = awscli_plugin_outscale\ncli_legacy_plugin_path = {plugin_dir}\n"
    page = squash(help_page(aws_v2, tmp_path, config, "register-image", PYTHONPATH=""))
    assert squash("On OUTSCALE this operation becomes CreateImage") in page
    assert squash("On OUTSCALE: refused: OUTSCALE images boot their own kernel") in page


def test_every_translated_operation_says_what_it_becomes():
    from osc_shim.operations import BECOMES, OPERATIONS

    assert set(BECOMES) == set(OPERATIONS)
