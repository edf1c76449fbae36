"""The plugin's event handlers and the one table that wires them to AWS CLI events.

Events the plugin touches (see ``OutscalePlugin.events``):

=============================================================  ===================================
``session-initialized``                                         ask ``osc_shim.routing`` where this
                                                                command goes; fill in region/endpoint,
                                                                OUTSCALE's credential providers; or
                                                                refuse it before anything is sent
``building-argument-table.ec2.<op>`` (``URL_VALUED_ARGUMENTS``)  on OUTSCALE, mark URL-valued
                                                                arguments ``no_paramfile`` (passed
                                                                verbatim, never downloaded)
``load-cli-arg.ec2.<op>.<arg>`` (same table)                    ...but keep ``file://`` working
``before-parameter-build.{ec2,sts}``                            stash the API params in the context
``before-call.{ec2,sts}``                                       answer the operations the shim
                                                                translates (``osc_shim.core``)
``before-send``                                                 on OUTSCALE, refuse any request to
                                                                an AWS host (never AWS's: OUTSCALE's
                                                                credentials)
=============================================================  ===================================

This module imports only the standard library at load time: botocore (inside ``aws``
it is the CLI's own copy) and the shim are imported by the handlers that need them.
"""

from __future__ import annotations

import logging
import os
import sys

# A child of awscli's logger, so ``aws --debug`` shows what the plugin decided and
# the traceback of any failure the plugin turns into an error message.
LOG = logging.getLogger("awscli.plugin.outscale")

# Where the API params of the current call wait between before-parameter-build and before-call.
PARAMS_KEY = "outscale_api_params"

# AWS CLI v1 downloads any parameter value that starts with http:// or https://
# (``cli_follow_urlparam``). On OUTSCALE these arguments carry URLs meant for the
# API itself (a pre-signed OOS URL of an OMI manifest): they go through verbatim.
# CLI operation name -> CLI argument names (without ``--``).
URL_VALUED_ARGUMENTS = {
    "register-image": ("image-location",),
}
_FILE_PREFIX = "file://"

# Services whose calls the shim answers: ec2 (translated to OAPI) and sts (GetCallerIdentity through
# ReadAccounts). osc_shim.routing holds which operations; this list only wires the events (it is
# here, not read from the shim, because loading the plugin must import nothing: a test holds them equal).
ANSWERED_SERVICES = ("ec2", "sts")
# Hosts of AWS itself: nothing of a command targeting OUTSCALE is ever sent there.
AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".amazon.com")


class OutscaleRefusal(Exception):
    """A command that targets OUTSCALE and must not be sent; the AWS CLI prints it and exits non-zero."""

    def __init__(self, message: str):
        super().__init__(f"aws: [outscale] {message}")


def warn(message: str) -> None:
    """Tell the user something they must see (stderr, never stdout: it may be parsed)."""
    sys.stderr.write(f"aws: [outscale] {message}\n")
    sys.stderr.flush()


def _one_line(text: str, limit: int = 500) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class OutscalePlugin:
    """State of one ``aws`` process: its session and whether it targets OUTSCALE."""

    def __init__(self, warn=warn, environ=os.environ):
        self.session = None
        self.target = None  # osc_shim.routing.Decision targeting OUTSCALE, or None: as without the plugin
        self._warn = warn
        self._environ = environ
        self._notices_shown = False
        self._settings = {}  # retry/timeout settings for the shim (--cli-read-timeout, max_attempts, ...)

    # -- the table ---------------------------------------------------------------------------

    def events(self):
        """(event, handler) pairs: every event the plugin touches, in one place."""
        yield "session-initialized", self.decide_outscale_target
        for operation, arguments in URL_VALUED_ARGUMENTS.items():
            yield f"building-argument-table.ec2.{operation}", self.keep_url_arguments_verbatim
            for argument in arguments:
                yield f"load-cli-arg.ec2.{operation}.{argument}", self.load_file_value
        for service in ANSWERED_SERVICES:
            yield f"before-parameter-build.{service}", self.stash_api_params
            yield f"before-call.{service}", self.answer_translated_call
        yield "before-send", self.refuse_aws_hosts

    # -- session-initialized -------------------------------------------------------------------

    def decide_outscale_target(self, session, parsed_args=None, **kwargs):
        """Ask ``osc_shim.routing`` once per process where the command goes.

        Runs after ``--profile``/``--region`` are applied. On OUTSCALE: sets the region and the
        service's endpoint it decided, adds OUTSCALE's credential providers to the session's
        chain, or refuses the command (``OutscaleRefusal``) before anything is sent.
        """
        self.session = session
        self.target = None
        if parsed_args is None:
            return
        try:
            decision = self._decide(session, parsed_args)
        except Exception:  # never break a command (``aws configure`` included) over routing
            LOG.debug("outscale: could not decide the target; behaving as plain AWS CLI", exc_info=True)
            return
        LOG.debug("outscale: routing: %s", decision.describe())
        for message in decision.warnings:
            self._warn(message)
        if not decision.outscale:
            return
        if decision.error:
            raise OutscaleRefusal(decision.error)
        self.target = decision
        self._settings = _shim_settings(session, parsed_args)
        if getattr(parsed_args, "debug", False):  # --debug: scrub everything printed from now on
            _guard_debug_output()
        if decision.set_region:
            session.set_config_variable("region", decision.region)
            parsed_args.region = decision.region
        if decision.set_endpoint:
            parsed_args.endpoint_url = decision.endpoint_url
        try:
            from osc_shim import credentials

            credentials.install(session, self._environ)
        except Exception:  # an unknown --profile: botocore reports it when the client is made
            LOG.debug("outscale: OUTSCALE's credential providers not added", exc_info=True)

    def _decide(self, session, parsed_args):
        from osc_shim import routing, routing_inputs

        command = routing_inputs.command_from_cli(session, parsed_args, self._environ)
        return routing.decide(command)

    def refuse_aws_hosts(self, request=None, **kwargs):
        """The last guard: a command targeting OUTSCALE never sends anything to AWS."""
        if self.target is None or request is None:
            return None
        from urllib.parse import urlsplit

        host = (urlsplit(getattr(request, "url", "") or "").hostname or "").lower()
        if host.endswith(AWS_HOST_SUFFIXES) or host in {s.lstrip(".") for s in AWS_HOST_SUFFIXES}:
            raise OutscaleRefusal(f"this command targets OUTSCALE ({self.target.why}) but its request was "
                                  f"going to {host}, an AWS host: it is not sent (OUTSCALE's credentials never "
                                  "go to AWS). Give an OUTSCALE --endpoint-url.")
        return None

    # -- building-argument-table / load-cli-arg -------------------------------------------

    def keep_url_arguments_verbatim(self, argument_table=None, event_name="", **kwargs):
        """On OUTSCALE, turn off awscli's paramfile loading for the URL-valued arguments.

        AWS CLI v1 downloads any value starting with ``http://``/``https://`` and uses the
        download as the value (``awscli.paramfile``); ``no_paramfile`` is the argument
        attribute awscli itself sets on arguments that are URIs (e.g. CloudFormation's
        ``--template-url``). Outside OUTSCALE nothing changes.
        """
        if self.target is None or not argument_table:
            return
        operation = event_name.rsplit(".", 1)[-1]  # building-argument-table.ec2.<operation>
        for name in URL_VALUED_ARGUMENTS.get(operation, ()):
            argument = argument_table.get(name)
            if argument is not None:
                argument.no_paramfile = True

    def load_file_value(self, param=None, value=None, **kwargs):
        """``file://PATH`` still reads PATH for the arguments made verbatim on OUTSCALE."""
        if self.target is None or not isinstance(value, str) or not value.startswith(_FILE_PREFIX):
            return None
        path = os.path.expandvars(os.path.expanduser(value[len(_FILE_PREFIX):]))
        try:
            with open(path, encoding="utf-8") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            from awscli.argprocess import ParamError

            raise ParamError(getattr(param, "cli_name", "--?"), f"Unable to load paramfile {value}: {exc}")

    # -- before-parameter-build / before-call ------------------------------------------------

    def stash_api_params(self, params=None, context=None, **kwargs):
        """Keep the API params (before serialisation) for ``answer_translated_call``."""
        if self.target is not None and context is not None:
            context[PARAMS_KEY] = params

    def answer_translated_call(self, model=None, params=None, context=None, **kwargs):
        """Answer an operation the shim translates instead of sending it to the endpoint.

        Returns ``(AWSResponse, parsed)`` (botocore then skips the HTTP request, fires
        ``after-call`` and raises ``ClientError`` for a status >= 300), or None to let the
        call go to its endpoint unchanged (not OUTSCALE, or an operation the shim does
        not translate).
        """
        if self.target is None or model is None:
            return None
        operation = model.name
        api = getattr(getattr(model, "service_model", None), "endpoint_prefix", "ec2")
        try:
            from osc_shim import core
        except Exception as exc:  # a broken install: say so, and let FCU answer
            LOG.debug("outscale: shim not importable", exc_info=True)
            self._warn(f"the translation shim (osc_shim) cannot be imported ({_one_line(exc)}); "
                       f"{operation} is sent to {(params or {}).get('url')} untranslated.")
            return None
        from osc_shim import routing

        if not routing.is_translated(operation, api):
            if api in routing.LOCALLY_ANSWERED:  # OUTSCALE has no such service: never sent anywhere
                raise OutscaleRefusal(f"OUTSCALE has no {api.upper()}: of {api}, only "
                                      f"{', '.join(sorted(routing.LOCALLY_ANSWERED[api]))} is answered (through "
                                      f"OUTSCALE's API); {operation} is not sent.")
            return None
        api_params = (context or {}).get(PARAMS_KEY)
        if api_params is None:
            LOG.debug("outscale: no stashed params for %s; sending it untranslated", operation)
            return None

        self._show_notices()
        credentials = self.session.get_credentials() if self.session is not None else None
        LOG.debug("outscale: credentials from %s", getattr(credentials, "method", None) or "nowhere")
        _remember_secrets(credentials)
        status, parsed = self._call_shim(core, operation, api_params, credentials, api)

        from botocore.awsrequest import AWSResponse

        return AWSResponse((params or {}).get("url", ""), status, {}, None), parsed

    def _call_shim(self, core, operation, api_params, credentials, api="ec2"):
        from botocore.exceptions import BotoCoreError
        from osc_shim.errors import Ec2Error

        try:
            extra = {"settings": self._settings} if self._settings else {}
            if api != "ec2":
                extra["api"] = api
            elif operation == "CopyImage":  # another --source-region runs the export/import pipeline
                from osc_shim import progress

                extra["copy_settings"] = _transfer_settings(self.session)
                extra["progress"] = progress.Reporter(sys.stderr)
            result = core.call(operation, dict(api_params), region=self.target.region,
                                  credentials=credentials, warn=self._warn, **extra)
        except Ec2Error as err:
            parsed = err.as_parsed()
            status = err.status if err.status >= 300 else 400
            parsed.setdefault("ResponseMetadata", {})["HTTPStatusCode"] = status
            return status, parsed
        except BotoCoreError:
            raise  # the CLI already prints these as one clear line (e.g. NoCredentialsError)
        except Exception as exc:
            LOG.debug("outscale: translating %s failed", operation, exc_info=True)
            message = (f"The OUTSCALE translation of {operation} failed: "
                       f"{type(exc).__name__}: {_one_line(exc)} (run with --debug for the traceback)")
            return 500, {"Error": {"Code": "InternalError", "Message": message},
                         "ResponseMetadata": {"HTTPStatusCode": 500}}
        parsed = dict(result or {})
        metadata = dict(parsed.get("ResponseMetadata") or {})
        metadata.setdefault("HTTPStatusCode", 200)
        metadata.setdefault("HTTPHeaders", {})
        metadata.setdefault("RetryAttempts", 0)
        parsed["ResponseMetadata"] = metadata
        return 200, parsed

    def _show_notices(self):
        if not self._notices_shown:
            self._notices_shown = True
            for message in self.target.notices:
                self._warn(message)


# -- secrets in --debug output -------------------------------------------------------------------
# ``aws --debug`` echoes the command line (a pre-signed --image-location with its signature) before
# any plugin event fires: a filter on awscli's driver logger scrubs it (osc_shim.redaction, imported
# only when a record is actually logged, i.e. with --debug).  On OUTSCALE, every debug handler gets
# the same filter at session-initialized, and the profile's secret key is registered with it.
DEBUG_LOGGERS = ("", "botocore", "awscli", "urllib3", "s3transfer")


class _LazyRedactor(logging.Filter):
    def filter(self, record):
        try:
            from osc_shim.redaction import redact_record
        except Exception:  # a broken install must not break logging
            return True
        redact_record(record)
        return True


def _guard_debug_output():
    try:
        from osc_shim.redaction import guard_handlers
    except Exception:
        LOG.debug("outscale: osc_shim.redaction not importable; --debug output is not scrubbed")
        return
    guard_handlers(*DEBUG_LOGGERS)
    # The shim's own debug lines (OAPI calls, retries, reconciliation) go where awscli's go, scrubbed too.
    shim_log = logging.getLogger("osc_shim")
    for handler in logging.getLogger("awscli").handlers:
        if handler not in shim_log.handlers:
            shim_log.addHandler(handler)
    if shim_log.handlers:
        shim_log.setLevel(logging.DEBUG)
        shim_log.propagate = False


def _remember_secrets(credentials):
    if credentials is None:
        return
    try:
        from osc_shim.redaction import remember

        frozen = credentials.get_frozen_credentials()
        remember(frozen.secret_key, getattr(frozen, "token", None))
    except Exception:  # the shim reports credential problems itself
        pass


def _transfer_settings(session) -> dict:
    """The profile's outscale_transfer_* keys (a copy to another region goes through that bucket)."""
    try:
        scoped = session.get_scoped_config() or {}
    except Exception:
        scoped = {}
    return {k: v for k, v in scoped.items() if k.startswith("outscale_transfer_") or k.startswith("outscale_keep_")}


def _shim_settings(session, parsed_args) -> dict:
    """The AWS CLI's own retry/timeout settings, for the shim's OAPI calls (osc_shim.oapi.retry)."""
    settings = {}
    # awscli fills these in itself (60 when not given, None for 0): only a flag on the command line counts.
    argv = sys.argv[1:]
    for flag, key in (("--cli-read-timeout", "read_timeout"), ("--cli-connect-timeout", "connect_timeout")):
        if any(a == flag or a.startswith(flag + "=") for a in argv):
            value = getattr(parsed_args, key, None)
            settings[key] = 0 if value is None else value  # 0: no limit of its own (the total still holds)
    try:
        attempts = session.get_config_variable("max_attempts")  # AWS_MAX_ATTEMPTS or the profile's
    except Exception:
        attempts = None
    if attempts is not None:
        settings["aws_max_attempts"] = attempts
    return settings


def register_handlers(cli):
    """Wire the plugin's handlers to ``cli`` (the AWS CLI's event hooks)."""
    driver_log = logging.getLogger("awscli.clidriver")
    if not any(isinstance(f, _LazyRedactor) for f in driver_log.filters):
        driver_log.addFilter(_LazyRedactor())
    plugin = OutscalePlugin()
    for event, handler in plugin.events():
        cli.register(event, handler, unique_id=f"outscale:{event}")
    return plugin
