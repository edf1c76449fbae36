"""DescribeImages -> ReadImages: IDs, owners, executable users, filters, pagination.

How a request is answered:

- **Server narrows, answer decides.**  Every EC2 filter is applied to the
  EC2-shaped answer with EC2's semantics (``*``/``?`` wildcards, OR within a
  filter, AND between filters).  Where OAPI has a filter that can only return
  a superset of that, it is also sent, so OUTSCALE does the heavy narrowing.
  ``FILTERS`` is the table: EC2 filter name -> what it reads on the EC2 image,
  and the OAPI filter sent (``None``: applied to the answer only).
- A value with a wildcard is never sent to OAPI, except for ``name``
  (OAPI's ``ImageNames`` takes ``*``/``?`` too); several values of a filter
  on a many-valued attribute (tags, block devices, product codes) are not sent
  either, since OAPI may AND them.  The answer decides in both cases.
- ``ImageIds``: only the IDs are sent, every page is read, an ID OUTSCALE does
  not return is ``InvalidAMIID.NotFound`` (OAPI itself answers an empty list) -- unless
  the caller deregistered it a moment ago (``osc_shim.deregistered``): it is left out,
  as EC2 leaves out a deregistered image,
  then the rest is applied to the answer (so another filter never turns an
  existing image into a NotFound).  ``MaxResults`` is not used with IDs, as on
  EC2 where the list of IDs bounds the answer.
- ``Owners``: 12-digit account IDs -> ``AccountIds``; ``self`` -> the caller's
  account ID, read with OAPI ``ReadAccounts`` (the call OUTSCALE documents for
  "the account that sends the request"); any other word is an OUTSCALE account
  alias -> ``AccountAliases`` (OUTSCALE's public OMIs: ``--owners Outscale``).
  ``amazon``, ``aws-marketplace`` and ``aws-backup-vault`` have no OUTSCALE
  counterpart and are refused.
- ``ExecutableUsers``: account IDs / ``self`` -> ``PermissionsToLaunchAccountIds``,
  ``all`` -> ``PermissionsToLaunchGlobalPermission``.
- ``MaxResults``/``NextToken`` <-> ``ResultsPerPage``/``NextPageToken``.  A page
  can hold fewer images than ``MaxResults`` (filters applied to the answer), which
  EC2 allows too; the AWS CLI's auto-pagination and ``--max-items`` follow the
  tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import Ec2Error, invalid_value
from .engine import DRY_RUN, Call, Context, Handled, check_members
from .filters import FILTER_MEMBERS, Filter, Narrowing, Server, check_filters, passes, server_filter
from .ec2_image import IMAGE_TABLE, check_id, image_not_found
from .placeholders import may_be, missing, next_page_token, read_answer
from .reads import ACCOUNT_ID_RE, own_account_id

DESCRIBE_IMAGES = {
    "ImageIds": Handled("Filters.ImageIds; every page read; an ID not returned is InvalidAMIID.NotFound, "
                        "unless this gateway deregistered it a moment ago: then left out, as on EC2"),
    "Owners": Handled("account IDs -> AccountIds, self -> your account ID (ReadAccounts), "
                      "other words -> AccountAliases; amazon / aws-marketplace / aws-backup-vault refused"),
    "ExecutableUsers": Handled("account IDs / self -> PermissionsToLaunchAccountIds, all -> "
                               "PermissionsToLaunchGlobalPermission"),
    "Filters": Handled("see FILTERS: OAPI filters where they exist, and always applied to the answer"),
    "MaxResults": Handled("ResultsPerPage"),
    "NextToken": Handled("NextPageToken"),
    "DryRun": DRY_RUN,
    "IncludeDeprecated": Handled("accepted: OUTSCALE images are never deprecated, so nothing is hidden"),
    "IncludeDisabled": Handled("accepted: OUTSCALE images are never disabled, so nothing is hidden"),
}

AWS_OWNER_ALIASES = ("amazon", "aws-marketplace", "aws-backup-vault")
MAX_RESULTS = 1000  # OAPI's ResultsPerPage range is 1-1000


# -- the filter table -----------------------------------------------------------------------

def _one(member: str) -> Callable:
    return lambda image: [image.get(member)]


def _ebs(member: str) -> Callable:
    return lambda image: [(m.get("Ebs") or {}).get(member) for m in image.get("BlockDeviceMappings") or []]


def _bool(value: str):
    return {"true": True, "false": False}.get(value)


def _int(value: str):
    return int(value) if value.isdigit() else None


def _tag_filter(key: str) -> Filter:
    return Filter(lambda image: [t.get("Value") for t in image.get("Tags") or [] if t.get("Key") == key],
                  None, "tag:KEY")


FILTERS = {
    "architecture": Filter(_one("Architecture"), Server("Architectures")),
    "block-device-mapping.delete-on-termination": Filter(
        _ebs("DeleteOnTermination"), Server("BlockDeviceMappingDeleteOnVmDeletion", single=True, convert=_bool)),
    "block-device-mapping.device-name": Filter(
        lambda image: [m.get("DeviceName") for m in image.get("BlockDeviceMappings") or []],
        Server("BlockDeviceMappingDeviceNames", many=True)),
    "block-device-mapping.snapshot-id": Filter(_ebs("SnapshotId"), Server("BlockDeviceMappingSnapshotIds", many=True)),
    "block-device-mapping.volume-size": Filter(
        _ebs("VolumeSize"), Server("BlockDeviceMappingVolumeSizes", many=True, convert=_int)),
    "block-device-mapping.volume-type": Filter(_ebs("VolumeType"), Server("BlockDeviceMappingVolumeTypes", many=True)),
    "block-device-mapping.encrypted": Filter(
        lambda image: [False for _ in image.get("BlockDeviceMappings") or [] if _.get("Ebs")], None,
        "OUTSCALE volumes are never encrypted: only false matches"),
    "boot-mode": Filter(_one("BootMode"), None, "answer only (OAPI's BootModes lists modes, EC2 names a combination)"),
    "creation-date": Filter(_one("CreationDate"), None, "answer only"),
    "description": Filter(_one("Description"), Server("Descriptions")),
    "hypervisor": Filter(_one("Hypervisor"), None, "always xen"),
    "image-id": Filter(_one("ImageId"), Server("ImageIds")),
    "image-type": Filter(_one("ImageType"), None, "always machine"),
    "is-public": Filter(_one("Public"), Server("PermissionsToLaunchGlobalPermission", single=True, convert=_bool)),
    "manifest-location": Filter(_one("ImageLocation"), Server("FileLocations")),
    "name": Filter(_one("Name"), Server("ImageNames", wildcards=True)),
    "owner-alias": Filter(_one("ImageOwnerAlias"), Server("AccountAliases")),
    "owner-id": Filter(_one("OwnerId"), Server("AccountIds")),
    "product-code": Filter(lambda image: [p.get("ProductCodeId") for p in image.get("ProductCodes") or []],
                           Server("ProductCodes", many=True)),
    "product-code.type": Filter(lambda image: [p.get("ProductCodeType") for p in image.get("ProductCodes") or []]),
    "root-device-name": Filter(_one("RootDeviceName"), Server("RootDeviceNames")),
    "root-device-type": Filter(_one("RootDeviceType"),
                               Server("RootDeviceTypes", convert=lambda v: {"ebs": "bsu"}.get(v))),
    "state": Filter(_one("State"), Server("States")),
    "state-reason-code": Filter(lambda image: [(image.get("StateReason") or {}).get("Code")]),
    "state-reason-message": Filter(lambda image: [(image.get("StateReason") or {}).get("Message")]),
    "tag-key": Filter(lambda image: [t.get("Key") for t in image.get("Tags") or []], Server("TagKeys", many=True)),
    "virtualization-type": Filter(_one("VirtualizationType"), None, "always hvm"),
    "tpm-support": Filter(_one("TpmSupport"), None, "answer only"),
    "sriov-net-support": Filter(_one("SriovNetSupport"), None, "always simple"),
    # EC2 filters on things OUTSCALE images never have: accepted, applied to the answer
    # (where nothing carries them, so only images that lack them... none match).
    **{name: Filter(lambda image: [], None, "OUTSCALE images never have it: nothing matches")
       for name in ("kernel-id", "ramdisk-id", "platform", "ena-support",
                    "source-instance-id", "source-image-id", "source-image-region", "deprecation-time",
                    "free-tier-eligible", "image-allowed", "public-ssm-parameter-name",
                    "imds-support", "last-launched-time")},
}
TAG_FILTER_PREFIX = "tag:"


def filter_for(name: str) -> Filter:
    if isinstance(name, str) and name.startswith(TAG_FILTER_PREFIX) and len(name) > len(TAG_FILTER_PREFIX):
        return _tag_filter(name[len(TAG_FILTER_PREFIX):])
    rule = FILTERS.get(name)
    if rule is None:
        raise Ec2Error("InvalidParameterValue", f"The filter '{name}' is invalid")
    return rule


# -- building the request --------------------------------------------------------------------

def _check_filters(filters) -> list:
    return check_filters("DescribeImages", filters, filter_for)


@dataclass
class _Scope:
    """Owners / ExecutableUsers, resolved: what the answer must satisfy."""

    owner_ids: tuple = ()
    owner_aliases: tuple = ()
    exec_ids: tuple = ()
    exec_all: bool = False
    owners_given: bool = False
    exec_given: bool = False

    def allows(self, image: dict, oapi_image: dict) -> bool:
        if self.owners_given:
            if not (may_be(image.get("OwnerId"), self.owner_ids) or
                    (image.get("ImageOwnerAlias") and image.get("ImageOwnerAlias") in self.owner_aliases)):
                return False
        if self.exec_given:
            if not read_answer(oapi_image.get("PermissionsToLaunch") or {}, self._launchable, lambda perms: True):
                return False
        return True

    def _launchable(self, perms: dict) -> bool:
        shared = set(perms.get("AccountIds") or [])
        return bool((self.exec_all and perms.get("GlobalPermission")) or shared & set(self.exec_ids))


def _scope(params: dict):
    """Sub-generator: resolve Owners and ExecutableUsers (``self`` needs the account ID)."""
    owners = list(params.get("Owners") or [])
    users = list(params.get("ExecutableUsers") or [])
    me = None
    if "self" in owners or "self" in users:
        me = yield from own_account_id()
    scope = _Scope(owners_given=bool(owners), exec_given=bool(users))
    ids, aliases = [], []
    for owner in owners:
        if owner == "self":
            ids.append(me)
        elif owner in AWS_OWNER_ALIASES:
            raise invalid_value("Owner", owner,
                                f"OUTSCALE has no '{owner}' owner: give account IDs, self, or an OUTSCALE account "
                                "alias (OUTSCALE's own public OMIs: --owners Outscale).")
        elif ACCOUNT_ID_RE.match(owner):
            ids.append(owner)
        elif owner:
            aliases.append(owner)
        else:
            raise invalid_value("Owner", owner, "An owner cannot be empty.")
    scope.owner_ids, scope.owner_aliases = tuple(ids), tuple(aliases)
    exec_ids = []
    for user in users:
        if user == "all":
            scope.exec_all = True
        elif user == "self":
            exec_ids.append(me)
        elif ACCOUNT_ID_RE.match(user):
            exec_ids.append(user)
        else:
            raise invalid_value("ExecutableBy", user, "Give account IDs, self or all.")
    scope.exec_ids = tuple(exec_ids)
    return scope


def _scope_filters(scope: _Scope, narrowing: Narrowing) -> None:
    if scope.owner_ids and not scope.owner_aliases:
        narrowing.add("AccountIds", list(scope.owner_ids))
    elif scope.owner_aliases and not scope.owner_ids:
        narrowing.add("AccountAliases", list(scope.owner_aliases))
    if scope.exec_given:
        if scope.exec_all and not scope.exec_ids:
            narrowing.add("PermissionsToLaunchGlobalPermission", True)
        elif len(scope.exec_ids) == 1 and not scope.exec_all:
            narrowing.add("PermissionsToLaunchAccountIds", list(scope.exec_ids))


def _keep(oapi_images, scope: _Scope, filters: list, ctx: Context):
    """The images that pass the scope and the filters, as EC2 images; unconverted for a front end that
    writes them itself.  The filters read views: only the members they ask for are converted."""
    if filters or scope.owners_given or scope.exec_given:
        view, allows = IMAGE_TABLE.view, scope.allows
        kept = [oapi_image for oapi_image in oapi_images
                if allows(image := view(oapi_image), oapi_image)
                and (not filters or passes(filters, image, oapi_image))]
    else:
        kept = list(oapi_images)
    return IMAGE_TABLE.answer(kept, ctx.deferred)


def describe_images(params: dict, ctx: Context):
    check_members("DescribeImages", DESCRIBE_IMAGES, params)
    image_ids = list(params.get("ImageIds") or [])
    for image_id in image_ids:
        check_id(image_id, "ami-")
    filters = _check_filters(params.get("Filters"))
    max_results = params.get("MaxResults")
    if max_results is not None and not 1 <= max_results <= MAX_RESULTS:
        raise invalid_value("MaxResults", max_results, f"Give a value between 1 and {MAX_RESULTS}.")

    scope = yield from _scope(params)

    narrowing = Narrowing()
    if image_ids:
        narrowing.add("ImageIds", sorted(set(image_ids)))
    else:
        _scope_filters(scope, narrowing)
        for name, rule, values in filters:
            tag_key = name[len(TAG_FILTER_PREFIX):] if name.startswith(TAG_FILTER_PREFIX) else None
            server_filter(rule, values, narrowing, tag_key)

    body = {}
    if narrowing.filters:
        body["Filters"] = narrowing.filters
    if ctx.dry_run:  # checked with the filters, without paging (the engine stops after this call)
        yield Call("ReadImages", body, idempotent=True)

    if image_ids:
        # Every page: the IDs bound the answer, and NotFound needs all of it.
        found = []
        token = None
        while True:
            page_body = dict(body, **({"NextPageToken": token} if token else {}))
            answer = yield Call("ReadImages", page_body, idempotent=True)
            found.extend(answer.get("Images") or [])
            token = next_page_token(answer)
            if token is None:
                break
        # Deregistered a moment ago (osc_shim.deregistered): left out, as EC2 does; never seen: NotFound.
        gone = ctx.deregistered or ()
        unseen = [i for i in missing(image_ids, found, "ImageId") if i not in gone]
        if unseen:
            raise image_not_found(unseen)
        return {"Images": _keep(found, scope, filters, ctx)}

    if max_results is not None:
        body["ResultsPerPage"] = max_results
    if params.get("NextToken"):
        body["NextPageToken"] = params["NextToken"]
    answer = yield Call("ReadImages", body, idempotent=True)
    result = {"Images": _keep(answer.get("Images") or [], scope, filters, ctx)}
    token = next_page_token(answer)
    if token is not None:
        result["NextToken"] = token
    return result


# -- what this module translates (operations/__init__ collects it) ------------------------------

OPERATIONS = {"DescribeImages": describe_images}

# EC2 operation -> the OUTSCALE API calls it becomes (`aws ec2 <operation> help` says it).
BECOMES = {
    "DescribeImages": "ReadImages (and ReadAccounts for --owners self)",
}

MEMBER_TABLES = {("DescribeImages", ()): DESCRIBE_IMAGES, ("DescribeImages", ("Filters",)): FILTER_MEMBERS}
