"""CreateTags / DeleteTags -> OAPI CreateTags / DeleteTags, and tag specifications of new resources.

OAPI's ``ResourceTag`` always carries a ``Value``:

- CreateTags: an EC2 tag without ``Value`` is stored with the empty value, as EC2 does.
- DeleteTags: EC2 deletes a tag given without ``Value`` whatever its value, and every
  tag when ``Tags`` is left out; OAPI deletes exact Key+Value pairs only.  So the
  resources' current tags are read first (OAPI ``ReadTags``) and the matching pairs
  deleted.  A tag given with a ``Value`` (even empty) is deleted only with that value,
  as on EC2.
"""

from __future__ import annotations

import re

from ..errors import Ec2Error, invalid_value, missing_parameter, OapiError, to_ec2
from .engine import DRY_RUN, Call, Context, Handled, Map, check_members
from .filters import FILTER_MEMBERS, check_filters, has_wildcard, matches
from .ec2_image import ID_BODY, resource_error
from .placeholders import next_page_token, read_answer
from .reads import with_next_token

CREATE_TAGS = {
    "Resources": Handled("ResourceIds; an ID of no type OUTSCALE can tag is EC2's InvalidID"),
    "Tags": Handled("Tags; a tag without Value gets the empty value, as on EC2"),
    "DryRun": DRY_RUN,
}
DELETE_TAGS = {
    "Resources": Map("ResourceIds"),
    "Tags": Handled("Key+Value deleted as given; a Key without Value, or no Tags at all, deletes whatever value "
                    "the resources have (read first with ReadTags)"),
    "DryRun": DRY_RUN,
}
TAG_MEMBERS = {
    "Key": Handled("Key"),
    "Value": Handled("Value (empty when left out in CreateTags)"),
}
TAG_SPECIFICATION_MEMBERS = {
    "ResourceType": Handled("which of the new resources the tags go on"),
    "Tags": Handled("CreateTags on those resources"),
}
RESERVED_PREFIX = "aws:"
# What a resource ID looks like on EC2 and OUTSCALE: <type>-<8 or 17 hex digits>.
WELL_FORMED_ID = re.compile(r"[a-z]+(?:-[a-z]+)*-" + ID_BODY + r"\Z")


def invalid_id(resources: list) -> Ec2Error:
    """EC2's answer when a resource ID is of no type that can be tagged: ``InvalidID`` naming it.

    Which ID OUTSCALE refused is read from the request (the first that is not even well formed,
    else the first), never from OUTSCALE's message."""
    suspect = next((r for r in resources if not WELL_FORMED_ID.match(str(r))), resources[0])
    return Ec2Error("InvalidID", f"The ID '{suspect}' is not valid")


def _tag_call(call: Call, resources: list):
    """Sub-generator: a CreateTags / DeleteTags / ReadTags call, its errors as EC2's tag calls answer them."""
    try:
        return (yield call)
    except OapiError as err:
        cause = resource_error(err, resources[0]) if len(resources) == 1 else to_ec2(err)
        if cause.code == "InvalidID" or cause.code.endswith(".Malformed"):
            raise invalid_id(resources) from None
        raise cause from None


def _check_tags(operation: str, tags, where: str = "Tag") -> None:
    for i, tag in enumerate(tags or [], 1):
        check_members(operation, TAG_MEMBERS, tag, f"{where}.{i}.")
        key = tag.get("Key")
        if not key:
            raise Ec2Error("InvalidParameterValue", "Tag keys must contain at least one character.")
        if key.lower().startswith(RESERVED_PREFIX):
            raise invalid_value(f"{where}.{i}.Key", key, "Tag keys starting with 'aws:' are reserved for internal use.")


def tag_specifications(specs, allowed: tuple, operation: str) -> dict:
    """EC2 ``TagSpecifications`` -> {resource type: [{"Key", "Value"}]}, for the types ``allowed``."""
    out: dict = {}
    for i, spec in enumerate(specs or [], 1):
        check_members(operation, TAG_SPECIFICATION_MEMBERS, spec, f"TagSpecification.{i}.")
        rtype = spec.get("ResourceType")
        if rtype not in allowed:
            raise invalid_value(f"TagSpecification.{i}.ResourceType", rtype,
                                f"{operation} on OUTSCALE can tag: {', '.join(allowed)}.")
        _check_tags(operation, spec.get("Tags"), f"TagSpecification.{i}.Tag")
        bucket = out.setdefault(rtype, [])
        for tag in spec.get("Tags") or []:
            bucket[:] = [t for t in bucket if t["Key"] != tag["Key"]]
            bucket.append({"Key": tag["Key"], "Value": tag.get("Value") or ""})
    return out


def tag_snapshots_of(image_answer, tags: list, ctx: Context, what: str):
    """Sub-generator: tags of ``ResourceType snapshot`` on the snapshots an image was made of."""
    if not tags:
        return
    image = (image_answer or {}).get("Image") or {}
    mappings = image.get("BlockDeviceMappings") or []
    ids = read_answer(mappings, lambda held: [m["Bsu"]["SnapshotId"] for m in held if (m.get("Bsu") or {}).get("SnapshotId")],
                      lambda held: [held[0]["Bsu"]["SnapshotId"]])
    if not ids:
        ctx.warn(f"{what} {image.get('ImageId')} was created, but OUTSCALE did not list its snapshots yet: "
                 "the snapshot tags were not applied (tag them with create-tags once the image is available).")
        return
    for snapshot_id in ids:
        yield from tag_new_resource(snapshot_id, tags, f"The snapshot of {what.lower()}")


def create_tags(params: dict, ctx: Context):
    check_members("CreateTags", CREATE_TAGS, params)
    if not params.get("Resources"):
        raise missing_parameter("ResourceId")
    if not params.get("Tags"):
        raise missing_parameter("Tag")
    _check_tags("CreateTags", params["Tags"])
    body = {"ResourceIds": list(params["Resources"])}
    body["Tags"] = [{"Key": t["Key"], "Value": t.get("Value") or ""} for t in params["Tags"]]
    yield from _tag_call(Call("CreateTags", body, idempotent=True), body["ResourceIds"])
    return {}


def _current_tags(resource_ids: list, keys: list):
    """Sub-generator: the resources' tags (all of them, or those with ``keys``), via ReadTags."""
    filters = {"ResourceIds": list(resource_ids)}
    if keys:
        filters["Keys"] = sorted(set(keys))
    found, token = [], None
    while True:
        body = {"Filters": filters}
        if token:
            body["NextPageToken"] = token
        answer = yield from _tag_call(Call("ReadTags", body, idempotent=True), list(resource_ids))
        # A page whose content is not known (osc-shim translate) stands for all of them.
        found = read_answer(answer.get("Tags") or [], lambda page: [*found, *page])
        token = next_page_token(answer)
        if token is None:
            return found


def delete_tags(params: dict, ctx: Context):
    check_members("DeleteTags", DELETE_TAGS, params)
    resources = list(params.get("Resources") or [])
    if not resources:
        raise missing_parameter("ResourceId")
    given = params.get("Tags")
    _check_tags("DeleteTags", given)
    exact = [{"Key": t["Key"], "Value": t["Value"]} for t in given or [] if t.get("Value") is not None]
    any_value = [t["Key"] for t in given or [] if t.get("Value") is None]
    body = {"ResourceIds": resources}

    if ctx.dry_run:  # the check is whether the tags may be deleted: the current values are not read
        body["Tags"] = exact + [{"Key": k, "Value": ""} for k in any_value]
        yield from _tag_call(Call("DeleteTags", body, idempotent=True), resources)
        return {}

    pairs = list(exact)
    if given is None or any_value:
        keys = [] if given is None else any_value  # []: every key
        current = yield from _current_tags(resources, keys)
        pairs += read_answer(current, lambda tags: _held_pairs(tags, resources, keys, pairs),
                             lambda tags: _unread_pairs(tags, keys))
    if not pairs:
        return {}  # nothing to delete: EC2 answers success too
    body["Tags"] = pairs
    yield from _tag_call(Call("DeleteTags", body, idempotent=True), resources)
    return {}


def _held_pairs(current: list, resources: list, keys: list, pairs: list) -> list:
    """The Key+Value pairs the resources hold with ``keys`` (every key: none given), less those of ``pairs``."""
    wanted = set(keys) or None
    held = []
    for tag in current:
        if tag.get("ResourceId") not in resources:
            continue
        if wanted is not None and tag.get("Key") not in wanted:
            continue
        pair = {"Key": tag["Key"], "Value": tag.get("Value") or ""}
        if pair not in pairs and pair not in held:
            held.append(pair)
    return held


def _unread_pairs(current, keys: list) -> list:
    """Tags whose content is not known (osc-shim translate): each of ``keys`` (or any key) with whatever value
    ReadTags answers."""
    tag = next(iter(current))
    return [{"Key": k, "Value": tag["Value"]} for k in keys or [tag["Key"]]]


# -- DescribeTags -> ReadTags ------------------------------------------------------------------

DESCRIBE_TAGS = {
    "Filters": Handled("key -> Keys, value -> Values, resource-id -> ResourceIds, resource-type -> ResourceTypes "
                       "(EC2 names, see RESOURCE_TYPES), tag:KEY; always applied to the answer (wildcards)"),
    "MaxResults": Handled("ResultsPerPage"),
    "NextToken": Handled("NextPageToken"),
    "DryRun": DRY_RUN,
}
# EC2 ResourceType <-> OAPI Tag.ResourceType, for every kind both name; an OAPI type not listed is shown as is.
RESOURCE_TYPES = {
    "instance": "vm", "image": "image", "snapshot": "snapshot", "volume": "volume",
    "export-image-task": "task", "security-group": "security-group", "vpc": "net", "subnet": "subnet",
    "network-interface": "nic", "elastic-ip": "public-ip", "route-table": "route-table",
    "internet-gateway": "internet-service", "key-pair": "keypair", "customer-gateway": "client-gateway",
    "vpn-gateway": "virtual-gateway", "vpn-connection": "vpn-connection", "natgateway": "nat-service",
    "vpc-peering-connection": "net-peering", "dhcp-options": "dhcp-options", "vpc-endpoint": "net-access-point",
}
EC2_RESOURCE_TYPES = {oapi: ec2 for ec2, oapi in RESOURCE_TYPES.items()}
TAG_FILTERS = {  # EC2 filter -> (what it reads on the EC2 tag, the OAPI filter it is also sent as, convert)
    "key": ("Key", "Keys", None),
    "value": ("Value", "Values", None),
    "resource-id": ("ResourceId", "ResourceIds", None),
    "resource-type": ("ResourceType", "ResourceTypes", RESOURCE_TYPES.get),
}


def _tag_rules(filters) -> tuple:
    """(OAPI Filters, [(read, patterns)]) of EC2 DescribeTags filters."""
    def rule_for(name):
        if isinstance(name, str) and name.startswith("tag:") and len(name) > 4:
            return name
        if name not in TAG_FILTERS:
            raise Ec2Error("InvalidParameterValue", f"The filter '{name}' is invalid")
        return name

    server, rules = {}, []
    for name, _, values in check_filters("DescribeTags", filters, rule_for):
        if name.startswith("tag:"):
            key = name[4:]
            rules.append((lambda t, key=key: [t["Value"]] if t.get("Key") == key else [], values))
            if not has_wildcard(key):
                server.setdefault("Keys", [key])
            continue
        member, oapi_name, convert = TAG_FILTERS[name]
        rules.append((lambda t, member=member: [t.get(member)], values))
        if not any(has_wildcard(v) for v in values):
            converted = [convert(v) if convert else v for v in values]
            if all(converted) and oapi_name not in server:
                server[oapi_name] = converted
    return server, rules


def describe_tags(params: dict, ctx: Context):
    check_members("DescribeTags", DESCRIBE_TAGS, params)
    server, rules = _tag_rules(params.get("Filters"))
    body = {"Filters": server} if server else {}
    max_results = params.get("MaxResults")
    if max_results is not None and not 5 <= max_results <= 1000:
        raise invalid_value("MaxResults", max_results, "Give a value between 5 and 1000.")
    if ctx.dry_run:  # checked with the filters, without paging (the engine stops after this call)
        yield Call("ReadTags", body, idempotent=True)
    if max_results is not None:
        body["ResultsPerPage"] = max_results
    if params.get("NextToken"):
        body["NextPageToken"] = params["NextToken"]
    answer = yield Call("ReadTags", body, idempotent=True)
    tags = read_answer(answer.get("Tags") or [], lambda found: _kept(_ec2_tags(found), rules),
                       lambda found: [{"Key": t["Key"], "Value": t["Value"], "ResourceId": t["ResourceId"],
                                       "ResourceType": t["ResourceType"]} for t in found])
    return with_next_token({"Tags": tags}, answer)


def _ec2_tags(found: list) -> list:
    """OAPI ``ResourceTag``s -> EC2 ``TagDescription``s."""
    return [{"Key": t.get("Key"), "Value": t.get("Value") or "", "ResourceId": t.get("ResourceId"),
             "ResourceType": EC2_RESOURCE_TYPES.get(t.get("ResourceType"), t.get("ResourceType"))} for t in found]


def _kept(tags: list, rules: list) -> list:
    return [t for t in tags if all(matches(read(t), values) for read, values in rules)]


def tag_new_resource(resource_id: str, tags: list, what: str):
    """Sub-generator: tag a resource just created; a failure names the resource so it is not lost."""
    if not tags:
        return
    try:
        yield Call("CreateTags", {"ResourceIds": [resource_id], "Tags": tags}, idempotent=True)
    except OapiError as err:
        cause = to_ec2(err)
        raise Ec2Error(cause.code, f"{what} {resource_id} was created, but tagging it failed: {cause.message}",
                       cause.status) from None


def specification_tables(operation: str) -> dict:
    """The member tables of ``operation``'s TagSpecifications, for its module's MEMBER_TABLES."""
    return {(operation, ("TagSpecifications",)): TAG_SPECIFICATION_MEMBERS,
            (operation, ("TagSpecifications", "Tags")): TAG_MEMBERS}


# -- what this module translates (operations/__init__ collects it) ------------------------------

OPERATIONS = {"CreateTags": create_tags, "DeleteTags": delete_tags, "DescribeTags": describe_tags}

# EC2 operation -> the OUTSCALE API calls it becomes (`aws ec2 <operation> help` says it).
BECOMES = {
    "CreateTags": "CreateTags",
    "DeleteTags": "DeleteTags (ReadTags first when only keys are given)",
    "DescribeTags": "ReadTags",
}

MEMBER_TABLES = {
    ("CreateTags", ()): CREATE_TAGS,
    ("CreateTags", ("Tags",)): TAG_MEMBERS,
    ("DeleteTags", ()): DELETE_TAGS,
    ("DeleteTags", ("Tags",)): TAG_MEMBERS,
    ("DescribeTags", ()): DESCRIBE_TAGS,
    ("DescribeTags", ("Filters",)): FILTER_MEMBERS,
}
