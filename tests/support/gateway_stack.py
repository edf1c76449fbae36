"""The gateway stack the gateway and client tests share: the gateway served on loopback (waitress in
a thread, port 0) behind a checker holding every answer to botocore's parser.  (moto_server as FCU:
support/moto_fcu.py, fixture ``moto_fcu``.)

Imported by tests/gateway/conftest.py and tests/clients/conftest.py.
"""

from __future__ import annotations

import threading
from typing import Callable, Optional

# The gateway's own credentials and region when a test does not say.
AK = "AKIAGATEWAYTEST0001"
SK = "gateway/test/secret/key/0123456789abcdef"
REGION = "eu-west-2"


class AnswerChecker:
    """WSGI middleware: every answer must parse with botocore's EC2 parser for its operation.

    Translated answers and gateway errors are held to the EC2 document shapes
    (``<{Op}Response xmlns=...><requestId>`` / ``<Response><Errors>...<RequestID>``);
    forwarded answers are FCU's own and only need to parse.
    """

    def __init__(self, app):
        self.app = app
        self.problems = []
        self.seen = 0

    def __getattr__(self, name):
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        import io
        import xml.etree.ElementTree as ET

        from botocore.parsers import create_parser

        from osc_shim.gateway import ec2_model, query_parse, query_serialize

        size = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(size) if size else b""
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            pairs = query_parse.decode_form(environ.get("QUERY_STRING", "")) + query_parse.decode_form(body)
        except Exception:
            pairs = []
        action = next((v for k, v in pairs if k == "Action"), None)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"] = int(status.split()[0])
            captured["headers"] = headers
            return start_response(status, headers, exc_info)

        chunks = list(self.app(environ, capture))
        answer = b"".join(chunks)
        status = captured["status"]
        self.seen += 1
        if "/sts/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):  # STS's answer (gateway/sts.py)
            self._check_sts(action, status, answer)
            return chunks
        try:
            shape = ec2_model.operation_model(action).output_shape if action in ec2_model.operation_names() else None
            parsed = create_parser("ec2").parse({"body": answer, "headers": {}, "status_code": status}, shape)
            root = ET.fromstring(answer)
            forwarded = environ.get("osc_shim.gateway.route") == "fcu"
            if not forwarded:
                if status < 300:
                    assert root.tag == "{%s}%sResponse" % (query_serialize.EC2_NAMESPACE, action), root.tag
                    assert parsed["ResponseMetadata"]["RequestId"]
                else:
                    assert root.tag == "Response" and parsed["Error"]["Code"], answer[:200]
                    assert parsed["ResponseMetadata"]["RequestId"]
        except Exception as exc:  # noqa: BLE001 - recorded, asserted at teardown
            self.problems.append((action, status, repr(exc), answer[:300]))
        return chunks

    def _check_sts(self, action, status, answer):
        import botocore.session
        from botocore.parsers import create_parser

        try:
            shape = botocore.session.get_session().get_service_model("sts").operation_model(action).output_shape
            parsed = create_parser("query").parse({"body": answer, "headers": {}, "status_code": status}, shape)
            assert (parsed.get("Account") if status < 300 else parsed["Error"]["Code"]), answer[:200]
            assert parsed["ResponseMetadata"]["RequestId"]
        except Exception as exc:  # noqa: BLE001 - recorded, asserted at teardown
            self.problems.append((action, status, repr(exc), answer[:300]))


class RunningGateway:
    def __init__(self, app, server, thread):
        self.app, self.server, self.thread = app, server, thread
        self.url = server.url

    def client(self, access_key: str = AK, secret_key: str = SK, region: str = REGION, **kw):
        import boto3
        from botocore.config import Config

        return boto3.client("ec2", region_name=region, endpoint_url=self.url, aws_access_key_id=access_key,
                            aws_secret_access_key=secret_key,
                            config=kw.pop("config", Config(retries={"max_attempts": 1, "mode": "standard"})), **kw)

    def stop(self):
        self.server.shutdown()
        self.thread.join(15)


def serve_gateway(*, access_key: str = AK, secret_key: str = SK, region: str = REGION, call: Optional[Callable] = None,
                  supported=None, threads: int = 4, grace: float = 5.0, **kw) -> RunningGateway:
    """A gateway on 127.0.0.1:<free port>, its answers checked (``RunningGateway.app.problems``)."""
    from botocore.credentials import Credentials

    from osc_shim.gateway.app import create_app
    from osc_shim.gateway.server import GatewayServer

    if call is not None and supported is None:
        supported = frozenset()
    if supported is not None and not callable(supported):
        frozen = frozenset(supported)
        supported = lambda: frozen  # noqa: E731
    app = AnswerChecker(create_app(credentials=Credentials(access_key, secret_key), region=region, call=call,
                                   supported=supported, **kw))
    server = GatewayServer(app, host="127.0.0.1", port=0, threads=threads, grace=grace)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return RunningGateway(app, server, thread)
