"""botocore's EC2 service model: what the Query parser and serialiser are driven by.

The gateway keeps only the part it reads on every request: the operations the shim translates and the
shapes they reach, without their documentation (~160 shapes: ~0.1 MiB, where the whole model holds
~12 MiB of the gateway's memory).  A request forwarded to FCU needs only its operation's name
(``query_parse.split_action``); any other operation's shapes (the Query protocol is written for all of
them) are read from the whole model, loaded the first time one is asked for.
"""

from __future__ import annotations

import functools
import json
import os


@functools.lru_cache(maxsize=1)
def service_model():
    """botocore's whole EC2 service model (loaded once, read-only afterwards)."""
    import botocore.session

    return botocore.session.get_session().get_service_model("ec2")


@functools.lru_cache(maxsize=1)
def _compact():
    """(the translated operations' model, every operation name, the API version)."""
    from botocore.model import ServiceModel

    # Built from text made while the whole description lived: objects made after it was freed (an
    # object made beside it, or shared with it, would keep a block of its memory from the system).
    compact = json.loads(_compact_text())
    names = frozenset(compact.pop("names"))
    return ServiceModel(compact, "ec2"), names, compact["metadata"]["apiVersion"]


def _compact_text() -> str:
    """The translated operations and the shapes they reach, without documentation, and every operation's
    name, as JSON; from a description loaded by a loader of its own (freed when this returns)."""
    import botocore.session
    from botocore.loaders import create_loader

    from osc_shim.operations import OPERATIONS

    loader = create_loader(botocore.session.get_session().get_config_variable("data_path"))  # AWS_DATA_PATH too
    loader.file_loader = _plain_json_file_loader()
    description = loader.load_service_model("ec2", "service-2")
    operations = {name: _without_docs(description["operations"][name])
                  for name in sorted(OPERATIONS) if name in description["operations"]}
    shapes = description["shapes"]
    kept, todo = {}, [ref["shape"] for op in operations.values() for ref in _operation_refs(op)]
    while todo:
        name = todo.pop()
        if name not in kept:
            kept[name] = shape = _without_docs(shapes[name])
            todo += [ref["shape"] for ref in _shape_refs(shape)]
    return json.dumps({"version": description.get("version"), "metadata": description["metadata"],
                       "operations": operations, "shapes": kept, "names": list(description["operations"])})


def _plain_json_file_loader():
    from botocore.loaders import JSONFileLoader

    class PlainJSONFiles(JSONFileLoader):
        """botocore's model files read into plain dicts (ordered too), not OrderedDicts: ~5 MiB less at
        the gateway's start (its peak memory until then)."""

        def _load_file(self, full_path, open_method):
            if not os.path.isfile(full_path):
                return None
            with open_method(full_path, "rb") as fp:
                return json.loads(fp.read())

    return PlainJSONFiles()


def _operation_refs(operation: dict) -> list:
    return [operation[key] for key in ("input", "output") if key in operation] + list(operation.get("errors", ()))


def _shape_refs(shape: dict) -> list:
    return list(shape.get("members", {}).values()) + [shape[key] for key in ("member", "key", "value") if key in shape]


def _without_docs(node: dict) -> dict:
    """An operation or a shape without its documentation, nor its members'."""
    out = {key: value for key, value in node.items() if key != "documentation"}
    for key in ("input", "output", "member", "key", "value"):
        if isinstance(out.get(key), dict):
            out[key] = _without_docs(out[key])
    if "members" in out:
        out["members"] = {name: _without_docs(ref) for name, ref in out["members"].items()}
    if "errors" in out:
        out["errors"] = [_without_docs(ref) for ref in out["errors"]]
    return out


@functools.lru_cache(maxsize=None)
def operation_model(name: str):
    model = _compact()[0]
    if name in model.operation_names:
        return model.operation_model(name)
    return service_model().operation_model(name)


def operation_names() -> frozenset:
    """Every EC2 operation's name (those the gateway forwards too)."""
    return _compact()[1]


def api_version() -> str:
    return _compact()[2]
