"""The engine's own concerns: DryRun, placeholder answers, reconciliation lookups."""

from __future__ import annotations

import pytest

from osc_shim.errors import Ec2Error, OapiError
from osc_shim.operations import placeholders
from osc_shim.operations.engine import Call, Context, look, placeholder_answers, run


def _translator(params, ctx):
    account = yield Call("ReadAccounts", {}, idempotent=True, prepares=True)
    made = yield Call("CreateImage", {"ImageName": params["Name"], "Owner": account["Accounts"][0]["AccountId"]})
    yield Call("CreateTags", {"ResourceIds": [made["Image"]["ImageId"]]}, idempotent=True)
    return {"ImageId": made["Image"]["ImageId"]}


def _performer(sent):
    answers = {"ReadAccounts": {"Accounts": [{"AccountId": "123456789012"}]},
               "CreateImage": {"Image": {"ImageId": "ami-12345678"}}, "CreateTags": {}}

    def perform(call):
        sent.append(call)
        return answers[call.action]

    return perform


def test_a_dry_run_sends_the_first_checking_call_with_dry_run_and_nothing_after_it():
    sent = []
    with pytest.raises(Ec2Error) as info:
        run(_translator, {"Name": "abc", "DryRun": True}, Context("eu-west-2"), _performer(sent))
    assert info.value.code == "DryRunOperation" and info.value.status == 412
    assert [(c.action, c.body.get("DryRun")) for c in sent] == [("ReadAccounts", None), ("CreateImage", True)]


def test_a_refused_dry_run_is_the_refusal_and_without_dry_run_every_call_is_sent():
    def refuse(call):
        if call.action == "CreateImage":
            raise OapiError(403, "4", "AccessDenied", "not allowed", "req-1")
        return _performer([])(call)

    with pytest.raises(Ec2Error) as info:
        run(_translator, {"Name": "abc", "DryRun": True}, Context("eu-west-2"), refuse)
    assert info.value.code != "DryRunOperation"
    sent = []
    assert run(_translator, {"Name": "abc"}, Context("eu-west-2"), _performer(sent)) == {"ImageId": "ami-12345678"}
    assert [c.action for c in sent] == ["ReadAccounts", "CreateImage", "CreateTags"]
    assert all("DryRun" not in c.body for c in sent)


def test_placeholder_answers_record_each_call_and_answer_placeholders():
    calls = []
    result = run(_translator, {"Name": "abc"}, Context("eu-west-2"), placeholder_answers(calls.append))
    assert [c.action for c in calls] == ["ReadAccounts", "CreateImage", "CreateTags"]
    assert str(calls[1].body["Owner"]) == "<ReadAccounts.Accounts[0].AccountId>"
    assert str(result["ImageId"]) == "<CreateImage.Image.ImageId>"


def test_placeholder_helpers_decide_without_knowing_the_content():
    answer = placeholders.Symbolic("ReadImages")
    assert str(placeholders.pick(answer["Images"], "ImageId", "ami-1")) == "<ReadImages.Images[0]>"
    assert placeholders.pick([{"ImageId": "ami-2"}], "ImageId", "ami-1") is None
    assert placeholders.missing(["ami-1"], list(answer["Images"]), "ImageId") == []
    assert placeholders.missing(["ami-1", "ami-2"], [{"ImageId": "ami-2"}], "ImageId") == ["ami-1"]
    assert placeholders.may_be(answer["OwnerId"], ("123456789012",))
    assert not placeholders.may_be("999999999999", ("123456789012",))
    assert placeholders.next_page_token(answer) is None


def test_look_runs_a_plan_with_the_reads_given_and_falls_back_when_a_read_error_escapes():
    def plan():
        answer = yield Call("ReadImages", {"Filters": {"ImageNames": ["abc"]}}, idempotent=True)
        return [i["ImageId"] for i in answer["Images"]]

    assert look(plan(), lambda call: {"Images": [{"ImageId": "ami-1"}]}) == ["ami-1"]

    def failing(call):
        raise OapiError(503, "", "", "unavailable", "")

    assert look(plan(), failing, otherwise="unknown") == "unknown"
