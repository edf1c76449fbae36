"""The plugin's handlers on a real botocore session and client, with a stand-in shim.

The AWS CLI emits ``session-initialized`` itself; here the test emits it with the
parsed-arguments namespace the CLI would pass. ``osc_shim.core.call`` is replaced by a
recorder, so these tests check the plugin's side of the contract only.
"""

from __future__ import annotations

import argparse
import sys
import types

import pytest

botocore_session = pytest.importorskip("botocore.session")
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.exceptions import ClientError, NoCredentialsError  # noqa: E402

from awscli_plugin_outscale import awscli_initialize, handlers  # noqa: E402
from osc_shim import core, operations  # noqa: E402
from osc_shim.errors import Ec2Error  # noqa: E402

FCU = "https://fcu.eu-west-2.outscale.com"
URL = "https://oos.eu-west-2.outscale.com/bucket/object?AWSAccessKeyId=A1&Expires=4093971940&Signature=x%2Fy"


@pytest.fixture(autouse=True)
def sandbox(tmp_path, monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith(("AWS_", "OSC_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    (tmp_path / "config").write_text("[profile osc]\noutscale = true\n\n[profile plain]\nregion = eu-west-2\n")
    (tmp_path / "credentials").write_text("[osc]\naws_access_key_id = AKOSC\naws_secret_access_key = SKOSC\n")


_LOADER = botocore_session.Session().get_component("data_loader")


class Shim:
    """Stands in for osc_shim.core.call and records what it was given."""

    def __init__(self, answer=None):
        self.calls = []
        self.answer = answer if answer is not None else {"ImageId": "ami-1234abcd"}

    def __call__(self, operation, params, *, region, credentials, warn=None):
        self.calls.append(dict(operation=operation, params=params, region=region,
                               credentials=credentials, warn=warn))
        if isinstance(self.answer, BaseException):
            raise self.answer
        return dict(self.answer)


@pytest.fixture
def shim(monkeypatch):
    fake = Shim()
    monkeypatch.setattr(core, "call", fake)
    monkeypatch.setattr(operations, "OPERATIONS", {"RegisterImage": operations.OPERATIONS["RegisterImage"]})
    return fake


class Cli:
    """What the AWS CLI does around a plugin: load it, emit session-initialized, make a client."""

    def __init__(self, profile=None, endpoint_url=None, region=None, command="ec2", credentials=True,
                 typed=True):
        self.session = botocore_session.Session(profile=profile)
        self.session.register_component("data_loader", _LOADER)  # one model cache for all tests
        if credentials and profile is None:
            self.session.set_credentials("AKENV", "SKENV")
        self.warnings = []
        self.emitter = self.session.get_component("event_emitter")
        awscli_initialize(self.emitter)
        self.plugin = self._plugin()
        self.plugin._warn = self.warnings.append
        if region:
            self.session.set_config_variable("region", region)
        # typed: the region was given on the command line (--region), else only configured
        self.args = argparse.Namespace(command=command, endpoint_url=endpoint_url, region=region if typed else None,
                                       profile=profile)
        self.session.emit("session-initialized", session=self.session, parsed_args=self.args)
        self.sent = []  # requests that reached the HTTP layer

    def _plugin(self):
        found = [h for h in self.emitter._emitter._handlers.prefix_search("session-initialized")
                 if getattr(h, "__self__", None).__class__ is handlers.OutscalePlugin]
        assert len(found) == 1
        return found[0].__self__

    def client(self):
        client = self.session.create_client("ec2", region_name=self.args.region,
                                            endpoint_url=self.args.endpoint_url)
        client.meta.events.register("before-send.ec2", self._record_send)
        return client

    def _record_send(self, request, **kwargs):
        self.sent.append(request)
        body = (b'<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                b"<requestId>r</requestId><regionInfo/></DescribeRegionsResponse>")
        sent = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        if "RegisterImage" in sent:
            body = (b'<RegisterImageResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                    b"<requestId>r</requestId><imageId>ami-fromendpoint</imageId></RegisterImageResponse>")
        return AWSResponse(request.url, 200, {}, types.SimpleNamespace(stream=lambda: iter([body])))


def test_the_plugin_registers_one_handler_per_documented_event():
    events = [event for event, _ in handlers.OutscalePlugin().events()]
    assert events == ["session-initialized", "building-argument-table.ec2.register-image",
                      "load-cli-arg.ec2.register-image.image-location", "before-parameter-build.ec2",
                      "before-call.ec2", "before-parameter-build.sts", "before-call.sts", "before-send"]
    for event in events:
        assert event.split(".")[0] in handlers.__doc__


def test_register_image_is_answered_by_the_shim(shim):
    cli = Cli(endpoint_url=FCU)
    assert cli.args.region == "eu-west-2"  # from the endpoint host: no region was configured
    bdm = [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 10}}]
    result = cli.client().register_image(Name="Test Image", ImageLocation=URL, Architecture="x86_64",
                                         RootDeviceName="/dev/sda1", BlockDeviceMappings=bdm)
    assert result["ImageId"] == "ami-1234abcd"
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert cli.sent == []  # nothing went to the endpoint
    (call,) = shim.calls
    assert call["operation"] == "RegisterImage" and call["region"] == "eu-west-2"
    assert call["params"] == {"Name": "Test Image", "ImageLocation": URL, "Architecture": "x86_64",
                              "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": bdm}
    assert call["credentials"].get_frozen_credentials().access_key == "AKENV"
    call["warn"]("hello")
    assert cli.warnings == ["hello"]


def test_the_shims_warnings_reach_stderr_with_the_plugin_prefix(capsys):
    handlers.warn("ignored member")
    assert capsys.readouterr().err == "aws: [outscale] ignored member\n"


def test_an_ec2_error_becomes_the_usual_client_error(shim):
    shim.answer = Ec2Error("InvalidAMIName.Duplicate", "The image name is already used.", 400)
    with pytest.raises(ClientError) as caught:
        Cli(endpoint_url=FCU).client().register_image(Name="Test Image", ImageLocation=URL)
    error = caught.value
    assert str(error) == ("An error occurred (InvalidAMIName.Duplicate) when calling the RegisterImage "
                          "operation: The image name is already used.")
    assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_dry_run_answer_keeps_its_status(shim):
    shim.answer = Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)
    with pytest.raises(ClientError) as caught:
        Cli(endpoint_url=FCU).client().register_image(Name="Test Image", ImageLocation=URL, DryRun=True)
    assert caught.value.response["Error"]["Code"] == "DryRunOperation"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412


def test_an_unexpected_failure_is_one_line_not_a_traceback(shim, caplog):
    shim.answer = KeyError("Image\nsecond line")
    with caplog.at_level("DEBUG", logger="awscli.plugin.outscale"):
        with pytest.raises(ClientError) as caught:
            Cli(endpoint_url=FCU).client().register_image(Name="Test Image", ImageLocation=URL)
    error = caught.value.response["Error"]
    assert error["Code"] == "InternalError"
    assert "KeyError" in error["Message"] and "\n" not in error["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    # --debug shows the traceback (awscli's logger, which --debug turns on)
    assert any(record.exc_info for record in caplog.records if record.name == "awscli.plugin.outscale")


def test_botocore_errors_keep_their_own_message(shim):
    shim.answer = NoCredentialsError()
    with pytest.raises(NoCredentialsError):
        Cli(endpoint_url=FCU).client().register_image(Name="Test Image", ImageLocation=URL)


def test_operations_the_shim_does_not_translate_go_to_the_endpoint_unchanged(shim):
    cli = Cli(endpoint_url=FCU)
    cli.client().describe_regions()
    assert shim.calls == []
    assert [r.url for r in cli.sent] == [FCU + "/"]


def test_the_supported_set_is_read_from_the_shim_at_call_time(shim, monkeypatch):
    monkeypatch.setitem(operations.OPERATIONS, "DescribeRegions", lambda params, ctx: iter(()))
    shim.answer = {"Regions": []}
    cli = Cli(endpoint_url=FCU)
    assert cli.client().describe_regions()["Regions"] == []
    assert [c["operation"] for c in shim.calls] == ["DescribeRegions"] and cli.sent == []


def test_calls_to_other_endpoints_are_not_touched(shim):
    cli = Cli(endpoint_url="http://127.0.0.1:5000", region="eu-west-2")
    assert cli.plugin.target is None
    result = cli.client().register_image(Name="Test Image", ImageLocation="bucket/key")
    assert result["ImageId"] == "ami-fromendpoint" and shim.calls == []
    assert [r.url for r in cli.sent] == ["http://127.0.0.1:5000/"]


def test_a_region_alone_does_not_mean_outscale(shim):
    cli = Cli(region="eu-west-2")
    assert cli.plugin.target is None and cli.args.endpoint_url is None


def test_a_marked_profile_reaches_outscale_without_endpoint_or_region(shim):
    cli = Cli(profile="osc")
    assert cli.plugin.target.reason == "profile"
    assert (cli.args.region, cli.args.endpoint_url) == ("eu-west-2", FCU)
    assert cli.session.get_config_variable("region") == "eu-west-2"
    cli.client().register_image(Name="Test Image", ImageLocation=URL)
    (call,) = shim.calls
    assert call["credentials"].get_frozen_credentials().access_key == "AKOSC"
    cli.client().describe_regions()
    assert [r.url for r in cli.sent] == [FCU + "/"]  # untranslated calls go to FCU, not to AWS


def test_an_unknown_profile_never_breaks_the_command(shim):
    cli = Cli(profile="does-not-exist")
    assert cli.plugin.target is None and cli.warnings == []


def test_an_outscale_endpoint_decides_even_when_the_profile_is_unknown(shim):
    # botocore reports the unknown profile when the client is made; meanwhile no URL download
    cli = Cli(profile="does-not-exist", endpoint_url=FCU)
    assert cli.plugin.target.reason == "endpoint" and cli.args.region == "eu-west-2"


def test_an_outscale_endpoint_from_the_environment_targets_outscale(shim, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_EC2", "https://fcu.us-east-2.outscale.com")
    cli = Cli()
    assert cli.plugin.target.reason == "endpoint" and cli.args.region == "us-east-2"
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert Cli().plugin.target is None


def test_aws_configure_is_left_alone(shim):
    cli = Cli(profile="osc", command="configure")
    assert cli.plugin.target is None and cli.args.endpoint_url is None


def test_missing_credentials_are_left_to_the_shim_to_report(shim):
    cli = Cli(endpoint_url=FCU, credentials=False)
    cli.client().register_image(Name="Test Image", ImageLocation=URL)
    assert shim.calls[0]["credentials"] is None  # the shim answers AuthFailure with its own advice


class Argument:
    no_paramfile = False


def test_url_arguments_are_kept_verbatim_only_on_outscale(shim):
    table = {"image-location": Argument(), "name": Argument()}
    outscale = Cli(endpoint_url=FCU).plugin
    outscale.keep_url_arguments_verbatim(argument_table=table,
                                         event_name="building-argument-table.ec2.register-image")
    assert table["image-location"].no_paramfile is True and table["name"].no_paramfile is False

    table = {"image-location": Argument()}
    aws = Cli(endpoint_url="http://127.0.0.1:5000", region="eu-west-2").plugin
    aws.keep_url_arguments_verbatim(argument_table=table,
                                    event_name="building-argument-table.ec2.register-image")
    assert table["image-location"].no_paramfile is False


def test_file_values_still_load_on_outscale(shim, tmp_path, monkeypatch):
    (tmp_path / "url.txt").write_text(URL)
    plugin = Cli(endpoint_url=FCU).plugin
    assert plugin.load_file_value(param=Argument(), value=f"file://{tmp_path}/url.txt") == URL
    assert plugin.load_file_value(param=Argument(), value=URL) is None
    assert plugin.load_file_value(param=Argument(), value="bucket/key") is None

    class ParamError(Exception):
        def __init__(self, name, message):
            super().__init__(f"{name}: {message}")

    monkeypatch.setitem(sys.modules, "awscli.argprocess", types.SimpleNamespace(ParamError=ParamError))
    arg = Argument()
    arg.cli_name = "--image-location"
    with pytest.raises(ParamError, match="--image-location: Unable to load paramfile file:///nonexistent"):
        plugin.load_file_value(param=arg, value="file:///nonexistent")

    aws = Cli(endpoint_url="http://127.0.0.1:5000", region="eu-west-2").plugin
    assert aws.load_file_value(param=Argument(), value=f"file://{tmp_path}/url.txt") is None


def test_notices_are_shown_once_when_a_call_is_translated(shim):
    cli = Cli(endpoint_url=FCU, region="us-east-2", typed=False)  # configured us-east-2, endpoint in eu-west-2
    assert cli.warnings == []
    client = cli.client()
    client.register_image(Name="Test Image", ImageLocation=URL)
    client.register_image(Name="Test Image 2", ImageLocation=URL)
    assert len(cli.warnings) == 1 and "us-east-2" in cli.warnings[0]
    assert [c["region"] for c in shim.calls] == ["eu-west-2", "eu-west-2"]
