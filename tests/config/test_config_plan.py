"""The profile writer, pure: text in, text out (osc_shim.profile.plan)."""

import configparser
import textwrap

import pytest
from botocore.configloader import build_profile_map, raw_config_parse

from osc_shim import profile as cfg
from osc_shim import regions

PLUGIN_DIR = "/opt/outscale-plugin"

EXPECTED_NEW = """\
[profile osc]
region = eu-west-2
services = osc-eu-west-2
outscale = true

[services osc-eu-west-2]
ec2 =
  endpoint_url = https://fcu.eu-west-2.outscale.com
s3 =
  endpoint_url = https://oos.eu-west-2.outscale.com
iam =
  endpoint_url = https://eim.eu-west-2.outscale.com
elastic_load_balancing =
  endpoint_url = https://lbu.eu-west-2.outscale.com
direct_connect =
  endpoint_url = https://directlink.eu-west-2.outscale.com
kms =
  endpoint_url = https://kms.eu-west-2.outscale.com

[plugins]
outscale = awscli_plugin_outscale
"""

RICH = textwrap.dedent(
    """\
    # Top comment: keep me
    [default]
    region = us-east-1
    output = json

    ; the dev profile
    [profile dev]
    region = eu-west-1
    s3 =
      addressing_style = path
      # nested comment
      signature_version = s3v4
    cli_pager =

    [sso-session corp]
    sso_region = eu-west-1

    [plugins]
    # other plugins stay
    endpoint = awscli_plugin_endpoint

    [profile osc]
    # my OUTSCALE account
    region = us-east-1
    output = table
    """
)


def parse(text, tmp_path):
    path = tmp_path / "config"
    path.write_text(text)
    return build_profile_map(raw_config_parse(str(path)))


def run(text="", **kw):
    kw.setdefault("profile", "osc")
    kw.setdefault("region", None)
    kw.setdefault("cli", "v1")
    return cfg.plan(text, **kw)


def is_subsequence(small, big):
    it = iter(big)
    return all(line in it for line in small)


def test_new_file():
    p = run(existed=False)
    assert p.new_text == EXPECTED_NEW
    assert p.region == "eu-west-2" and p.changed


def test_default_profile_uses_default_section():
    p = run(profile="default", region="us-east-2")
    assert p.new_text.startswith("[default]\nregion = us-east-2\nservices = osc-us-east-2\noutscale = true\n")
    # an existing [profile default] is the default profile too (botocore reads it so)
    p = run("[profile default]\noutput = json\n", profile="default", region="us-east-2")
    assert p.new_text.startswith("[profile default]\noutput = json\nregion = us-east-2\n")
    assert "[default]" not in p.new_text


def test_profile_names_with_spaces_are_quoted(tmp_path):
    p = run(profile="my osc", region="us-west-1")
    assert '[profile "my osc"]' in p.new_text
    parsed = parse(p.new_text, tmp_path)
    assert parsed["profiles"]["my osc"]["outscale"] == "true"
    assert run(p.new_text, profile="my osc", region="us-west-1").changed is False


def test_idempotent():
    first = run(RICH, region="cloudgouv-eu-west-1")
    second = run(first.new_text, region="cloudgouv-eu-west-1")
    assert second.new_text == first.new_text and not second.changed
    assert second.diff() == ""
    # without --region: keeps the profile's OUTSCALE region
    assert not run(first.new_text).changed


def test_keeps_everything_else(tmp_path):
    p = run(RICH, region="eu-west-2")
    old_lines = RICH.splitlines()
    new_lines = p.new_text.splitlines()
    # every line survives, in order, except the osc profile's region (rewritten in place)
    kept = list(old_lines)
    del kept[len(kept) - 1 - kept[::-1].index("region = us-east-1")]
    assert is_subsequence(kept, new_lines)
    for comment in ("# Top comment: keep me", "; the dev profile", "  # nested comment",
                    "# other plugins stay", "# my OUTSCALE account"):
        assert comment in new_lines

    before, after = parse(RICH, tmp_path), parse(p.new_text, tmp_path)
    assert after["profiles"]["default"] == before["profiles"]["default"]
    assert after["profiles"]["dev"] == before["profiles"]["dev"]
    assert after["sso_sessions"] == before["sso_sessions"]
    assert after["plugins"]["endpoint"] == "awscli_plugin_endpoint"
    assert after["plugins"]["outscale"] == "awscli_plugin_outscale"
    assert after["profiles"]["osc"] == {
        "region": "eu-west-2", "output": "table", "services": "osc-eu-west-2", "outscale": "true",
    }
    assert after["services"]["osc-eu-west-2"] == {
        key: {"endpoint_url": url} for key, url in regions.services_config("eu-west-2").items()
    }
    # the profile's keys are edited in place, not duplicated
    assert p.new_text.count("[profile osc]") == 1
    assert not any("us-east-1" in n for n in p.notes)  # an explicit region needs no note


def test_region_default_from_profile_or_eu_west_2():
    assert run("[profile osc]\nregion = ap-northeast-1\n").region == "ap-northeast-1"
    p = run("[profile osc]\nregion = us-east-1\n")
    assert p.region == "eu-west-2"
    assert any("us-east-1" in n and "not an OUTSCALE region" in n for n in p.notes)
    assert run("").region == "eu-west-2"


def test_unknown_region_refused_with_valid_list():
    with pytest.raises(cfg.ConfigureError) as e:
        run(region="us-east-1")
    msg = str(e.value)
    assert "us-east-1" in msg
    for r in regions.REGIONS:
        assert r in msg


def test_unconfirmed_region_is_flagged():
    p = run(region="cn-southeast-1")
    assert "https://fcu.cn-southeast-1.outscale.hk" in p.new_text
    assert any("not confirmed" in n for n in p.notes)


def test_region_change_switches_services_section(tmp_path):
    first = run(region="eu-west-2").new_text
    p = run(first, region="us-east-2")
    parsed = parse(p.new_text, tmp_path)
    assert parsed["profiles"]["osc"]["services"] == "osc-us-east-2"
    assert parsed["profiles"]["osc"]["region"] == "us-east-2"
    assert set(parsed["services"]) == {"osc-eu-west-2", "osc-us-east-2"}  # the old one may serve others
    assert any("osc-eu-west-2 replaced" in n for n in p.notes)


def test_services_section_keeps_other_keys_and_fixes_ours(tmp_path):
    text = textwrap.dedent(
        """\
        [services osc-eu-west-2]
        sts =
          endpoint_url = http://127.0.0.1:9000
        ec2 =
          endpoint_url = https://wrong.example.com
          # comment kept
        s3 = https://flat-value-is-not-botocore-format
        """
    )
    p = run(text, region="eu-west-2")
    parsed = parse(p.new_text, tmp_path)["services"]["osc-eu-west-2"]
    assert parsed["sts"] == {"endpoint_url": "http://127.0.0.1:9000"}
    assert parsed["ec2"] == {"endpoint_url": "https://fcu.eu-west-2.outscale.com"}
    assert parsed["s3"] == {"endpoint_url": "https://oos.eu-west-2.outscale.com"}
    assert "  # comment kept" in p.new_text
    assert p.new_text.count("[services osc-eu-west-2]") == 1


def test_v1_removes_legacy_plugin_path():
    text = "[plugins]\ncli_legacy_plugin_path = /somewhere\noutscale = awscli_plugin_outscale\n"
    p = run(text, region="eu-west-2")
    assert "cli_legacy_plugin_path" not in p.new_text
    assert any("cli_legacy_plugin_path" in n and "v1" in n for n in p.notes)


def test_v2_writes_legacy_plugin_path(tmp_path):
    p = run("", region="eu-west-2", cli="v2", plugin_dir=PLUGIN_DIR)
    plugins = parse(p.new_text, tmp_path)["plugins"]
    assert plugins == {"outscale": "awscli_plugin_outscale", "cli_legacy_plugin_path": PLUGIN_DIR}
    assert not run(p.new_text, region="eu-west-2", cli="v2", plugin_dir=PLUGIN_DIR).changed
    assert p.plugin_dir == PLUGIN_DIR


def test_v2_merges_existing_plugin_paths(tmp_path):
    text = "[plugins]\ncli_legacy_plugin_path = /other/plugins\nfoo = foo_plugin\n"
    p = run(text, region="eu-west-2", cli="v2", plugin_dir=PLUGIN_DIR)
    plugins = parse(p.new_text, tmp_path)["plugins"]
    assert plugins["cli_legacy_plugin_path"] == f"/other/plugins:{PLUGIN_DIR}"
    assert plugins["foo"] == "foo_plugin"
    again = run(p.new_text, region="eu-west-2", cli="v2", plugin_dir=PLUGIN_DIR + "/")
    assert not again.changed  # same directory, spelled with a trailing slash


def test_v2_needs_a_plugin_dir():
    with pytest.raises(cfg.ConfigureError):
        run(cli="v2")
    with pytest.raises(cfg.ConfigureError):
        run(cli="v3")


def test_plugin_registered_under_another_name_is_not_duplicated():
    text = "[plugins]\nosc = awscli_plugin_outscale\n"
    p = run(text, region="eu-west-2")
    assert p.new_text.count("awscli_plugin_outscale") == 1


def test_foreign_outscale_plugin_key_is_replaced():
    p = run("[plugins]\noutscale = something_else\n", region="eu-west-2")
    assert "outscale = awscli_plugin_outscale" in p.new_text
    assert "something_else" not in p.new_text
    assert any("something_else" in n for n in p.notes)


def test_crlf_and_missing_final_newline_preserved():
    text = "# windows\r\n[profile dev]\r\nregion = eu-west-1"
    p = run(text, region="eu-west-2")
    assert "\r\n" in p.new_text and "\n" not in p.new_text.replace("\r\n", "")
    assert p.new_text.startswith("# windows\r\n[profile dev]\r\nregion = eu-west-1\r\n\r\n[profile osc]\r\n")


def test_result_is_valid_for_configparser():
    p = run(RICH, region="us-west-1", cli="v2", plugin_dir=PLUGIN_DIR)
    cp = configparser.RawConfigParser()
    cp.read_string(p.new_text)  # strict: no duplicate sections or options
    assert cp.get("profile osc", "outscale") == "true"


def test_diff_shows_the_change():
    p = run("", region="eu-west-2", config_file="/x/config", existed=False)
    d = p.diff()
    assert d.startswith("--- /dev/null\n+++ /x/config\n")
    assert "+outscale = true\n" in d


def test_ini_document_edits():
    doc = cfg.IniDocument("[a]\nx = 1\n  cont\n\n# about b\n[b]\ny: 2\n")
    assert doc.get(cfg.exact_matcher("a"), "x") == "1\ncont"
    assert doc.get(cfg.exact_matcher("b"), "Y") == "2"
    doc.set(cfg.exact_matcher("a"), "a", "z", "3")
    assert doc.text() == "[a]\nx = 1\n  cont\nz = 3\n\n# about b\n[b]\ny: 2\n"
    assert doc.remove(cfg.exact_matcher("a"), "x")
    assert doc.text() == "[a]\nz = 3\n\n# about b\n[b]\ny: 2\n"
    assert not doc.remove(cfg.exact_matcher("c"), "x")


def test_no_credentials_hint_when_outscales_conventions_hold_a_key(tmp_path):
    from osc_shim import profile as cfg

    env = {"HOME": str(tmp_path), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    assert "aws configure set aws_access_key_id" in cfg.credentials_hint("osc", "", env)
    assert cfg.credentials_hint("osc", "", dict(env, OSC_ACCESS_KEY="AK", OSC_SECRET_KEY="SK")) is None
    (tmp_path / ".osc").mkdir()
    (tmp_path / ".osc" / "config.json").write_text('{"work": {"access_key": "AK", "secret_key": "SK"}}')
    assert cfg.credentials_hint("osc", "", env) is not None  # OSC_PROFILE unset: "default", absent
    assert cfg.credentials_hint("osc", "", dict(env, OSC_PROFILE="work")) is None
