"""Hostile input, as hypothesis strategies and properties (tests/reliability/test_hostile_input.py and
bench/fuzz_bench.py run them; the bench with far more examples).

Properties:

- ``translation``: ``osc_shim.core.call(op, params)`` for every operation the shim translates, with
  params drawn from botocore's EC2 model (right types, adversarial values: huge, unicode, control
  characters, near-valid IDs and URLs), from valid params with members mutated, and from junk
  (wrong types, nested lists and dicts) -- answered by a real OAPI implementation (the emulator's
  handlers, in process).  Always a result dict or an ``Ec2Error`` with an EC2-style code; never any
  other exception.
- ``gateway_request``: the gateway's WSGI app with signed requests whose bodies are model-driven wire
  pairs with junk mixed in, or raw junk bytes and encodings -- always an XML answer botocore's own
  parser reads (a result for the operation or ``<Response><Errors>``), never a 5xx, never a traceback.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

from reliability_env import ACCOUNT, REGION, InProcessOapi, credentials

EC2_CODE = re.compile(r"^[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$")
KNOWN = {"image": "ami-1111aaaa", "snapshot": "snap-1111aaaa", "other_image": "ami-2222bbbb",
         "task": "image-export-3333cccc", "bucket": "fuzz-bucket", "volume": "vol-4444dddd"}


@functools.lru_cache(maxsize=1)
def model():
    import botocore.session

    return botocore.session.get_session().get_service_model("ec2")


@functools.lru_cache(maxsize=1)
def operations() -> tuple:
    from osc_shim import core

    return tuple(sorted(core.SUPPORTED))


# -- values ---------------------------------------------------------------------------------

SPECIAL_STRINGS = [
    "", " ", "\x00", "\n", "\r\n", "\t", "null", "None", "true", "0", "-1", "NaN", "[]", "{}", "%00", "%s%s%n",
    "../../etc/passwd", "<x>", "&amp;", "' OR 1=1 --", "\u202e\u0644\u0639", "😀" * 3, "e\u0301", "\ufeff",
    "ami-", "ami-1234567", "ami-123456789", "ami-GGGGGGGG", "AMI-12345678", "ami-12345678 ", "snap-12345678",
    "i-12345678", "vol-12345678", "image-export-12345678", KNOWN["image"], KNOWN["snapshot"], KNOWN["other_image"],
    "/dev/sda1", "/dev/sdb", "/dev/xvdz", "/dev/sda", "ephemeral0", "ephemeral99", "i386", "x86_64", "arm64",
    "standard", "io1", "gp2", "gp3", "hvm", "paravirtual", "v2.0", "uefi", "legacy-bios", "RAW", "VMDK", "qcow2",
    "image", "snapshot", "export-image-task", "self", "all", "amazon", ACCOUNT, "eu-west-2", "us-east-1",
    "https://oos.eu-west-2.outscale.com/b/k?AWSAccessKeyId=A&Expires=1&Signature=s",
    "https://oos.eu-west-2.outscale.com/b/k?AWSAccessKeyId=A&Expires=99999999999&Signature=s",
    "https://oos.eu-west-2.outscale.com/b/k?X-Amz-Date=20991231T000000Z&X-Amz-Expires=9&X-Amz-Signature=x",
    "https://oos.eu-west-2.outscale.com/b/k?Expires=abc&Signature=s", "http://[::1", "https://", "bucket/key",
    "s3://bucket/key", "name", "tag:Name", "image-id", "owner-id", "state", "is-public", "*", "?", "a" * 128,
    "a" * 129, "ab", "My image (1) / v.2-final_", "[x]", "it's@home",
]


@functools.lru_cache(maxsize=None)
def adversarial_text(max_size: int = 60):
    return st.one_of(
        st.sampled_from(SPECIAL_STRINGS),
        st.text(max_size=max_size),
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=max_size),
        st.from_regex(r"(ami|snap|i|vol|image-export)-[0-9a-fA-F]{0,18}", fullmatch=True),
        st.builds(lambda unit, n: unit * n, st.sampled_from(["a", "é", "😀", "\x00", "/", "ami-"]),
                  st.integers(300, 100_000)),
    )


@functools.lru_cache(maxsize=None)
def adversarial_int():
    return st.one_of(st.integers(-(2 ** 31), 2 ** 31 - 1),
                     st.sampled_from([0, -1, 1, 2, 3, 7, 10, 128, 1000, 1001, 13000, 2 ** 31 - 1, -(2 ** 31)]))


_STRATEGIES: dict = {}


def for_shape(shape, depth: int = 0):
    """Values of ``shape``'s type (botocore's model), adversarial within it (strategies built once)."""
    key = (shape.name, min(depth, 6))
    strategy = _STRATEGIES.get(key)
    if strategy is None:
        strategy = _STRATEGIES[key] = _build(shape, depth)
    return strategy


def _build(shape, depth: int):
    kind = shape.type_name
    if kind == "structure":
        if depth > 5:
            return st.just({})
        members = {name: st.deferred(lambda m=m: for_shape(m, depth + 1)) for name, m in shape.members.items()}
        return st.fixed_dictionaries({}, optional=members)
    if kind == "list":
        return st.lists(for_shape(shape.member, depth + 1), max_size=4 if depth < 3 else 1)
    if kind == "map":
        return st.dictionaries(adversarial_text(20), for_shape(shape.value, depth + 1), max_size=3)
    if kind == "string":
        enum = getattr(shape, "enum", None) or []
        return st.one_of(st.sampled_from(enum), adversarial_text()) if enum else adversarial_text()
    if kind in ("integer", "long"):
        return adversarial_int()
    if kind == "boolean":
        return st.booleans()
    if kind in ("double", "float"):
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "timestamp":
        return st.datetimes(timezones=st.just(__import__("datetime").timezone.utc))
    if kind == "blob":
        return st.binary(max_size=40)
    return st.none()


@functools.lru_cache(maxsize=None)
def junk():
    """Anything JSON-ish: wrong types and nested junk."""
    leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), adversarial_text(30), st.binary(max_size=10))
    return st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(adversarial_text(12), inner, max_size=4)),
                        max_leaves=12)


def valid_params(operation: str) -> dict:
    """Params that succeed on the seeded in-process cloud (the base the mutations start from)."""
    return valid_params_table()[operation]


def valid_params_table() -> dict:
    """Operation -> params that succeed; one entry per translated operation
    (tests/reliability/test_operation_lists.py holds its keys to ``OPERATIONS``)."""
    bdm = [{"DeviceName": "/dev/sda1", "Ebs": {"SnapshotId": KNOWN["snapshot"], "VolumeSize": 10}}]
    import time

    from osc_emulator import default_vm_id, oos

    # the disk object Cloud.fresh() stores, pre-signed as the emulator's OOS signs
    disk_url = oos.presigned_url(REGION, KNOWN["bucket"], "disk.raw", oos.SEVEN_DAYS, now=time.time())

    return {
        "RegisterImage": {"Name": "fuzz image", "RootDeviceName": "/dev/sda1", "BlockDeviceMappings": bdm,
                          "Architecture": "x86_64", "Description": "d",
                          "TagSpecifications": [{"ResourceType": "image", "Tags": [{"Key": "k", "Value": "v"}]}]},
        "CreateImage": {"InstanceId": default_vm_id(ACCOUNT), "Name": "fuzz from vm", "NoReboot": True},
        "CopyImage": {"SourceImageId": KNOWN["image"], "SourceRegion": REGION, "Name": "fuzz copy",
                      "CopyImageTags": True},
        "DeregisterImage": {"ImageId": KNOWN["other_image"]},
        "DescribeImages": {"Owners": ["self"], "Filters": [{"Name": "name", "Values": ["fuzz*"]}], "MaxResults": 10},
        "ModifyImageAttribute": {"ImageId": KNOWN["image"], "LaunchPermission": {"Add": [{"UserId": "210987654321"}]}},
        "DescribeImageAttribute": {"ImageId": KNOWN["image"], "Attribute": "description"},
        "ResetImageAttribute": {"ImageId": KNOWN["image"], "Attribute": "launchPermission"},
        "CreateTags": {"Resources": [KNOWN["image"]], "Tags": [{"Key": "a", "Value": "b"}]},
        "DeleteTags": {"Resources": [KNOWN["image"]], "Tags": [{"Key": "a"}]},
        "ExportImage": {"ImageId": KNOWN["image"], "DiskImageFormat": "RAW",
                        "S3ExportLocation": {"S3Bucket": KNOWN["bucket"], "S3Prefix": "x/"}},
        "DescribeExportImageTasks": {"MaxResults": 5},
        "CancelExportTask": {"ExportTaskId": KNOWN["task"]},
        "CreateSnapshot": {"VolumeId": KNOWN["volume"], "Description": "fuzz snapshot",
                           "TagSpecifications": [{"ResourceType": "snapshot", "Tags": [{"Key": "k", "Value": "v"}]}]},
        "CopySnapshot": {"SourceSnapshotId": KNOWN["snapshot"], "SourceRegion": REGION, "Description": "fuzz copy"},
        "ImportSnapshot": {"DiskContainer": {"Url": disk_url, "Format": "RAW"},
                           "ClientData": {"UploadSize": 1.0}, "Description": "fuzz import"},
        "DescribeSnapshots": {"OwnerIds": ["self"], "Filters": [{"Name": "description", "Values": ["fuzz*"]}],
                              "MaxResults": 10},
        "DeleteSnapshot": {"SnapshotId": "snap-3333cccc"},
        "ModifySnapshotAttribute": {"SnapshotId": KNOWN["snapshot"], "Attribute": "createVolumePermission",
                                    "OperationType": "add", "UserIds": ["210987654321"]},
        "DescribeSnapshotAttribute": {"SnapshotId": KNOWN["snapshot"], "Attribute": "createVolumePermission"},
        "ResetSnapshotAttribute": {"SnapshotId": KNOWN["snapshot"], "Attribute": "createVolumePermission"},
        "DescribeTags": {"Filters": [{"Name": "resource-type", "Values": ["image"]}], "MaxResults": 10},
    }


@functools.lru_cache(maxsize=None)
def input_shape(operation: str):
    return model().operation_model(operation).input_shape


@st.composite
def params_for(draw, operation: str):
    """Model-driven params, mutated valid params, or junk."""
    how = draw(st.sampled_from(["model", "mutated", "mutated", "junk"]))
    shape = input_shape(operation)
    if how == "model":
        return draw(for_shape(shape))
    if how == "junk":
        base = dict(valid_params(operation))
        names = list(shape.members) + ["NotAMember", "imageId", ""]
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=4)):
            base[name] = draw(junk())
        return base
    base = dict(valid_params(operation))
    members = list(shape.members)
    for name in draw(st.lists(st.sampled_from(members), min_size=1, max_size=3, unique=True)):
        if draw(st.booleans()) and name in base:
            del base[name]
        else:
            base[name] = draw(for_shape(shape.members[name], 1))
    return base


def operation_and_params():
    return st.sampled_from(operations()).flatmap(lambda op: st.tuples(st.just(op), params_for(op)))


# -- the in-process cloud the properties run against --------------------------------------------

class Cloud:
    """One InProcessOapi, reset and seeded with the resources ``valid_params`` name before each example."""

    def __init__(self):
        self.oapi = InProcessOapi()

    def fresh(self) -> InProcessOapi:
        oapi = self.oapi
        oapi.reset()
        cloud = oapi.cloud
        for snap_id in (KNOWN["snapshot"], "snap-2222bbbb", "snap-3333cccc"):
            cloud.add_snapshot(ACCOUNT, 10, "fuzz", snapshot_id=snap_id)
        cloud.add_vm(ACCOUNT, [{"VolumeId": KNOWN["volume"]}])  # a volume to snapshot, under a known ID
        for image_id, snap_id in ((KNOWN["image"], KNOWN["snapshot"]), (KNOWN["other_image"], "snap-2222bbbb")):
            cloud.seed({"images": [{"ImageId": image_id, "ImageName": f"fuzz seed {image_id}", "State": "available",
                                    "Tags": [{"Key": "a", "Value": "b"}],
                                    "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Bsu": {
                                        "SnapshotId": snap_id, "VolumeSize": 10, "VolumeType": "standard",
                                        "DeleteOnVmDeletion": True}}]}]})
        cloud.create_bucket(KNOWN["bucket"])
        cloud.put_object(KNOWN["bucket"], "disk.raw", b"\0" * 4096)
        from osc_emulator.models import ExportTask

        cloud.export_tasks[KNOWN["task"]] = ExportTask(KNOWN["task"], ACCOUNT, KNOWN["image"], "raw", KNOWN["bucket"],
                                                       "x/", cloud.now())
        return oapi


# -- properties -----------------------------------------------------------------------------

def check_ec2_error(err) -> None:
    assert EC2_CODE.match(err.code or ""), f"not an EC2 error code: {err.code!r}"
    assert isinstance(err.message, str) and err.message.strip(), "an error without a message"
    assert "Traceback" not in err.message
    assert 400 <= err.status <= 599, err.status


def translation(cloud: Cloud, operation: str, params) -> str:
    """One example of the translation property; returns the outcome ('ok' or the error code)."""
    from osc_shim import core
    from osc_shim.errors import Ec2Error

    oapi = cloud.fresh()
    try:
        result = core.call(operation, params, region=REGION, credentials=credentials(), client=oapi,
                              warn=lambda message: None)
    except Ec2Error as err:
        check_ec2_error(err)
        return err.code
    assert isinstance(result, dict), type(result)
    return "ok"


# -- the gateway ------------------------------------------------------------------------------

GATEWAY_HOST = "127.0.0.1:8788"


class GatewayUnderTest:
    """The gateway's WSGI app, translating with the real shim onto the in-process cloud."""

    def __init__(self, cloud: Cloud):
        from osc_shim import core
        from osc_shim.gateway.app import create_app

        self.cloud = cloud
        self.current = None

        def call(operation, params, **kw):
            kw["client"] = self.current
            return core.call(operation, params, **kw)

        self.app = create_app(credentials=credentials(), region=REGION, forward=False, call=call,
                              supported=lambda: core.SUPPORTED)

    def request(self, body: bytes, *, query: str = "", method: str = "POST",
                content_type: str = "application/x-www-form-urlencoded; charset=utf-8", sign: bool = True):
        """(status, headers, body) of one signed request, served in process."""
        import io

        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        self.current = self.cloud.fresh()
        url = f"http://{GATEWAY_HOST}/" + (f"?{query}" if query else "")
        headers = {"Content-Type": content_type} if content_type else {}
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        if sign:
            SigV4Auth(credentials(), "ec2", REGION).add_auth(request)
        environ = {"REQUEST_METHOD": method, "PATH_INFO": "/", "SCRIPT_NAME": "", "QUERY_STRING": query,
                   "RAW_URI": "/" + (f"?{query}" if query else ""), "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8788",
                   "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
                   "CONTENT_LENGTH": str(len(body)), "HTTP_HOST": GATEWAY_HOST}
        for key, value in request.headers.items():
            value = value.decode() if isinstance(value, bytes) else value
            if key.lower() == "content-type":
                environ["CONTENT_TYPE"] = value
            else:
                environ["HTTP_" + key.upper().replace("-", "_")] = value
        captured = {}

        def start_response(status, headers, exc_info=None):
            captured["status"] = int(status.split()[0])
            captured["headers"] = headers

        answer = b"".join(self.app(environ, start_response))
        return captured["status"], captured["headers"], answer


def _serializer():
    from botocore.serialize import create_serializer

    return create_serializer("ec2", include_validation=False)


JUNK_KEYS = st.one_of(
    st.from_regex(r"[A-Za-z]{1,14}(\.([0-9]{1,4}|[A-Za-z]{1,10})){0,5}", fullmatch=True),
    st.sampled_from(["Action", "Version", ".", "..", "a..b", "X.0", "X.-1", "ImageId.0", "ImageId.01",
                     "ImageId.99999999999999999999", "Filter.1.Value", "Filter.1.Value.1.Extra", "BlockDeviceMapping.1",
                     "BlockDeviceMapping.1.Ebs", "Name.1", "Signature", "X-Amz-Signature", "\u00e9", "%", "=", "&"]),
    st.text(max_size=20),
)


@st.composite
def form_bodies(draw):
    """(body bytes, query string, method, content type): model-driven, mutated, or raw junk."""
    from osc_shim import core

    how = draw(st.sampled_from(["model", "model", "mutated", "pairs", "bytes", "encoding"]))
    method = draw(st.sampled_from(["POST"] * 9 + ["GET"]))
    ctype = draw(st.sampled_from(["application/x-www-form-urlencoded; charset=utf-8"] * 8 +
                                 ["application/x-www-form-urlencoded", "text/plain", "application/json", ""]))
    op = draw(st.sampled_from(sorted(core.SUPPORTED) + ["DescribeRegions", "NoSuchAction"]))
    pairs = []
    if how in ("model", "mutated"):
        if op in operations():
            params = draw(for_shape(input_shape(op)) if how == "model" else params_for(op))
            try:
                wire = _serializer().serialize_to_request(params, model().operation_model(op))["body"]
            except Exception:  # junk the client-side serializer itself refuses: send what it would not
                wire = {"Action": op, "Version": "2016-11-15"}
            pairs = list(wire.items()) if isinstance(wire, dict) else []
        else:
            pairs = [("Action", op), ("Version", "2016-11-15")]
        if how == "mutated":
            extra = draw(st.lists(st.tuples(JUNK_KEYS, adversarial_text(40)), max_size=5))
            pairs = pairs + extra
            if pairs and draw(st.booleans()):
                pairs = draw(st.permutations(pairs))
            if pairs and draw(st.booleans()):
                pairs = pairs + [draw(st.sampled_from(pairs))]  # a key given twice
        body = urlencode([(str(k), str(v)) for k, v in pairs]).encode()
    elif how == "pairs":
        pairs = [("Action", op)] + draw(st.lists(st.tuples(JUNK_KEYS, adversarial_text(40)), max_size=12))
        body = "&".join(f"{quote(str(k), safe='')}={quote(str(v), safe='')}" for k, v in pairs).encode()
    elif how == "bytes":
        body = draw(st.one_of(st.binary(max_size=3000),
                              st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
                              st.sampled_from([b"%", b"%ZZ", b"%C3%28", b"Action=%FF%FE", b"a=b&&&==&", b"=" * 5000,
                                               b"Action=DescribeImages&ImageId.1=" + b"%00" * 3000,
                                               b"Action=RegisterImage&" + b"&".join(
                                                   b"BlockDeviceMapping.%d.DeviceName=x" % i for i in range(1, 3000))])))
    else:  # the same text in another encoding than the declared UTF-8
        text = f"Action={op}&Name=" + draw(st.text(min_size=1, max_size=40))
        body = text.encode(draw(st.sampled_from(["latin-1", "utf-16", "cp1252", "utf-32"])), errors="replace")
    query = ""
    if method == "GET":
        query, body = body.decode("latin-1"), b""
    return body, query, method, ctype


def gateway_request(gateway: GatewayUnderTest, body: bytes, query: str, method: str, ctype: str) -> str:
    """One example of the gateway property; returns the outcome ('ok' or the error code)."""
    import xml.etree.ElementTree as ET

    from botocore.parsers import create_parser

    from osc_shim.gateway import ec2_model

    status, headers, answer = gateway.request(body, query=query, method=method, content_type=ctype)
    assert b"Traceback" not in answer
    assert status < 500 or status == 503, (status, answer[:300])
    root = ET.fromstring(answer)
    if status < 300:
        action = root.tag.rsplit("}", 1)[-1][: -len("Response")]
        shape = ec2_model.operation_model(action).output_shape
        create_parser("ec2").parse({"body": answer, "headers": {}, "status_code": status}, shape)
        return "ok"
    parsed = create_parser("ec2").parse({"body": answer, "headers": {}, "status_code": status}, None)
    code = parsed["Error"]["Code"]
    assert EC2_CODE.match(code or ""), (code, answer[:300])
    assert parsed["Error"]["Message"], answer[:300]
    return code
