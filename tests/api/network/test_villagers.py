"""Villagers a village partner serves (issue 11): added only with their consent, listed and searched by name,
corrected, erased at their request (anonymised in place), and never seen by another village's partner."""

from __future__ import annotations

import pytest

from bench.counting import CallRecorder
from tests.api.network import helpers as h
from tests.support import assert_api_error

CONSENT = {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00Z"}


@pytest.fixture(scope="module")
def shufu(api, factory):
    return h.county(api, factory, villages=2)


def path(village: h.Village, suffix: str = "") -> str:
    return f"/v1/villages/{village.village_id}/villagers{suffix}"


def add(api, village: h.Village, name: str, **extra) -> dict:
    body = {"name": name, "consent": CONSENT, **extra}
    reply = api.post(path(village), body, token=village.partner)
    assert reply.status == 201, reply
    return reply.json


def test_a_partner_adds_a_villager_with_a_signed_form(api, shufu):
    village = shufu.villages[0]
    reply = api.post(
        path(village), {"name": " Aynur Tohti ", "phone": "+86 998 555 0142", "consent": CONSENT}, token=village.partner
    )
    assert reply.status == 201, reply
    body = reply.json
    assert body["villager_id"].startswith("vgr_")
    assert body["village_id"] == village.village_id
    assert body["name"] == "Aynur Tohti" and body["phone"] == "+86 998 555 0142"
    assert body["consent"] == {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00.000Z", "witness": None}
    assert body["erased"] is False and body["erased_at"] is None
    got = api.get(path(village, f"/{body['villager_id']}"), token=village.partner)
    assert got.status == 200 and got.json == body


def test_consent_is_required(api, shufu):
    village = shufu.villages[0]
    reply = api.post(path(village), {"name": "Memet Ali"}, token=village.partner)
    assert_api_error(reply, 400)
    assert any("consent" in d["field"] for d in reply.json["error"]["details"]), reply.json


@pytest.mark.parametrize(
    "consent",
    [
        {"method": "witnessed_verbal", "recorded_at": "2026-05-01T09:30:00Z"},  # no witness
        {"method": "witnessed_verbal", "recorded_at": "2026-05-01T09:30:00Z", "witness": "  "},
        {"method": "signed_form", "recorded_at": "2099-01-01T00:00:00Z"},  # in the future
        {"method": "signed_form", "recorded_at": "2026-05-01"},  # no time, no zone
        {"method": "nodded", "recorded_at": "2026-05-01T09:30:00Z"},
        {"method": "signed_form"},
    ],
)
def test_a_consent_that_is_not_complete_is_400_and_nothing_is_added(api, shufu, consent):
    village = shufu.villages[1]
    before = api.get(path(village, "?limit=100"), token=village.partner).json["items"]
    reply = api.post(path(village), {"name": "Nobody Added", "consent": consent}, token=village.partner)
    assert_api_error(reply, 400)
    assert api.get(path(village, "?limit=100"), token=village.partner).json["items"] == before


def test_a_verbal_consent_keeps_its_witness(api, shufu):
    village = shufu.villages[0]
    consent = {"method": "witnessed_verbal", "recorded_at": "2026-05-02T10:00:00+08:00", "witness": "Village head"}
    body = add(api, village, "Tursun Niyaz", consent=consent)
    assert body["consent"] == {
        "method": "witnessed_verbal",
        "recorded_at": "2026-05-02T02:00:00.000Z",
        "witness": "Village head",
    }
    assert body["phone"] is None


def test_villagers_are_listed_newest_first_and_paged(api, factory):
    village = h.county(api, factory).villages[0]
    made = [add(api, village, f"Person {i}")["villager_id"] for i in range(5)]
    first = api.get(path(village, "?limit=3"), token=village.partner)
    assert first.status == 200
    second = api.get(path(village, f"?limit=3&cursor={first.json['next_cursor']}"), token=village.partner)
    listed = [v["villager_id"] for v in first.json["items"] + second.json["items"]]
    assert listed == list(reversed(made))
    assert second.json["next_cursor"] is None


def test_search_finds_a_villager_by_the_start_of_any_word_of_the_name(api, factory):
    village = h.county(api, factory).villages[0]
    aynur = add(api, village, "Aynur Tohti")
    add(api, village, "Memet Ali")
    ayshem = add(api, village, "Ayshem Tohti")
    uyghur = add(api, village, "ئايگۈل ياسىن")
    chinese = add(api, village, "王 小梅")

    def found(q: str) -> set[str]:
        reply = api.get(path(village, f"?q={q}&limit=100"), token=village.partner)
        assert reply.status == 200, reply
        return {v["villager_id"] for v in reply.json["items"]}

    assert found("ay") == {aynur["villager_id"], ayshem["villager_id"]}
    assert found("TOHTI") == {aynur["villager_id"], ayshem["villager_id"]}
    assert found("aynur%20whatever") == {aynur["villager_id"]}  # the first word decides
    assert found("ئايگۈل") == {uyghur["villager_id"]}
    assert found("小") == {chinese["villager_id"]}
    assert found("zzz") == set()


def test_a_search_is_one_query(api, factory):
    village = h.county(api, factory).villages[0]
    for i in range(4):
        add(api, village, f"Abdukerim {i}")
    with CallRecorder() as rec:
        reply = api.get(path(village, "?q=abdu&limit=2"), token=village.partner)
    assert reply.status == 200 and len(reply.json["items"]) == 2 and reply.json["next_cursor"]
    assert rec.totals().calls == 1, rec.totals()


def test_a_partner_corrects_the_name_and_removes_the_phone(api, factory):
    village = h.county(api, factory).villages[0]
    v = add(api, village, "Rozi Qari", phone="+86 998 555 0100")
    reply = api.patch(
        path(village, f"/{v['villager_id']}"), {"name": "Rozigul Qari", "phone": None}, token=village.partner
    )
    assert reply.status == 200, reply
    assert reply.json["name"] == "Rozigul Qari" and reply.json["phone"] is None
    assert reply.json["consent"] == v["consent"]

    def found(q: str) -> list[str]:
        return [x["villager_id"] for x in api.get(path(village, f"?q={q}"), token=village.partner).json["items"]]

    assert found("rozigul") == [v["villager_id"]]
    assert found("rozi") == [v["villager_id"]]  # the prefix of the new name
    assert found("qari") == [v["villager_id"]]
    renamed = api.patch(path(village, f"/{v['villager_id']}"), {"name": "Patigul"}, token=village.partner)
    assert renamed.status == 200
    assert found("rozigul") == [] and found("patigul") == [v["villager_id"]]


@pytest.mark.parametrize("body", [{"name": ""}, {"name": None}, {"phone": "call me"}, {"nickname": "x"}])
def test_a_bad_correction_is_400_and_changes_nothing(api, shufu, body):
    village = shufu.villages[0]
    v = add(api, village, "Unchanged Person")
    reply = api.patch(path(village, f"/{v['villager_id']}"), body, token=village.partner)
    assert_api_error(reply, 400)
    assert api.get(path(village, f"/{v['villager_id']}"), token=village.partner).json == v


def test_erasure_anonymises_the_villager_and_keeps_the_record(api, factory):
    village = h.county(api, factory).villages[0]
    consent = {"method": "witnessed_verbal", "recorded_at": "2026-05-02T10:00:00Z", "witness": "Neighbour Ablet"}
    v = add(api, village, "Gulnar Hasan", phone="+86 998 555 0111", consent=consent)
    reply = api.post(path(village, f"/{v['villager_id']}/erase"), token=village.partner)
    assert reply.status == 200, reply
    erased = reply.json
    assert erased["villager_id"] == v["villager_id"] and erased["erased"] is True and erased["erased_at"]
    assert erased["name"] is None and erased["phone"] is None
    assert erased["consent"] == {
        "method": "witnessed_verbal",
        "recorded_at": "2026-05-02T10:00:00.000Z",
        "witness": None,
    }
    got = api.get(path(village, f"/{v['villager_id']}"), token=village.partner)
    assert got.status == 200 and got.json == erased
    listed = api.get(path(village), token=village.partner).json["items"]
    assert [x["villager_id"] for x in listed] == [v["villager_id"]] and listed[0]["name"] is None
    assert api.get(path(village, "?q=gulnar"), token=village.partner).json["items"] == []
    for text in (b"Gulnar", b"Hasan", b"0111", b"Ablet"):
        assert text not in got.body
    again = api.post(path(village, f"/{v['villager_id']}/erase"), token=village.partner)
    assert_api_error(again, 409, "villager_erased")
    changed = api.patch(path(village, f"/{v['villager_id']}"), {"name": "Back"}, token=village.partner)
    assert_api_error(changed, 409, "villager_erased")


def test_erasure_leaves_no_personal_data_stored(api, stack, factory):
    from tests.support import Storage

    village = h.county(api, factory).villages[0]
    v = add(api, village, "Zulpiye Unique", phone="+86 998 555 7777")
    api.post(path(village, f"/{v['villager_id']}/erase"), token=village.partner)
    stored = repr(Storage(stack).snapshot())
    assert "Zulpiye" not in stored and "zulpiye" not in stored and "555 7777" not in stored


def test_a_partner_never_sees_another_villages_villagers(api, shufu):
    mine, theirs = shufu.villages
    v = add(api, theirs, "Private Person", phone="+86 998 555 0123")
    assert_api_error(api.get(path(theirs), token=mine.partner), 403)
    assert_api_error(api.get(path(theirs, f"/{v['villager_id']}"), token=mine.partner), 403)
    # through their own village: not theirs, so not found
    assert_api_error(api.get(path(mine, f"/{v['villager_id']}"), token=mine.partner), 404, "villager_not_found")
    refused = api.patch(path(mine, f"/{v['villager_id']}"), {"name": "Stolen"}, token=mine.partner)
    assert_api_error(refused, 404)
    assert_api_error(api.post(path(mine, f"/{v['villager_id']}/erase"), token=mine.partner), 404)
    listed = api.get(path(mine, "?q=private&limit=100"), token=mine.partner).json["items"]
    assert listed == []
    assert api.get(path(theirs, f"/{v['villager_id']}"), token=theirs.partner).json == v


def test_an_unknown_village_is_404_and_an_unknown_villager_too(api, shufu):
    village = shufu.villages[0]
    assert_api_error(api.get("/v1/villages/vil_nope/villagers", token=village.partner), 404)
    assert_api_error(api.get(path(village, "/vgr_nope"), token=village.partner), 404, "villager_not_found")
