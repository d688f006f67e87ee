"""Villagers' rules (domain/villagers.py): consent, search words, corrections, erasure."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.villagers import changed, consent_record, erased, new_villager, search_prefix, search_words

NOW = "2026-05-03T08:00:00.000Z"


def villager(**fields):
    body = {"name": "Aynur Tohti", "phone": "+86 998 555 0142",
            "consent": {"method": "witnessed_verbal", "recorded_at": "2026-05-01T09:30:00Z", "witness": "Ablet"},
            **fields}  # fmt: skip
    return new_villager("vgr_1", "vil_1", "partner-1", body, now=NOW)


def test_search_words_are_folded_distinct_and_bounded():
    assert search_words("  Aynur   TOHTI aynur ") == ("aynur", "tohti")
    assert search_words("ａｙｎｕｒ") == ("aynur",)  # NFKC: full-width letters
    assert len(search_words(" ".join(f"w{i}" for i in range(20)))) == 6
    assert search_prefix("  Tohti Aynur") == "tohti" and search_prefix("   ") == ""


def test_consent_is_kept_in_utc_and_a_verbal_one_needs_its_witness():
    kept = consent_record({"method": "signed_form", "recorded_at": "2026-05-01T17:30:00+08:00"}, NOW)
    assert kept == {"method": "signed_form", "recorded_at": "2026-05-01T09:30:00.000Z", "witness": None}
    with pytest.raises(ValidationFailed):
        consent_record({"method": "witnessed_verbal", "recorded_at": "2026-05-01T09:30:00Z"}, NOW)
    with pytest.raises(ValidationFailed):
        consent_record({"method": "signed_form", "recorded_at": "2026-05-03T08:06:00Z"}, NOW)  # future
    consent_record({"method": "signed_form", "recorded_at": "2026-05-03T08:04:00Z"}, NOW)  # clock skew


def test_a_correction_changes_only_what_is_given():
    v = villager()
    assert changed(v, {}, now=NOW) is v
    renamed = changed(v, {"name": " Aynur T "}, now="2026-05-04T00:00:00.000Z")
    assert renamed.name == "Aynur T" and renamed.phone == v.phone and renamed.updated_at == "2026-05-04T00:00:00.000Z"
    assert changed(v, {"phone": None}, now=NOW).phone is None
    with pytest.raises(ValidationFailed):
        changed(v, {"name": "  "}, now=NOW)


def test_erasure_blanks_personal_data_and_keeps_the_consent_date():
    gone = erased(villager(), now=NOW)
    assert gone.erased and gone.erased_at == NOW
    assert (gone.name, gone.phone, gone.consent["witness"]) == ("", None, None)
    assert gone.consent["recorded_at"] == "2026-05-01T09:30:00.000Z"
    with pytest.raises(Conflict):
        erased(gone, now=NOW)
    with pytest.raises(Conflict):
        changed(gone, {"name": "Back"}, now=NOW)
