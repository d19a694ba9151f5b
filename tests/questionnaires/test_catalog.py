"""Loading the catalog: shape, cross references, hashes, lock and SemVer checks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.questionnaires import lock
from app.questionnaires.catalog import (
    DEFAULT_ROOT,
    Catalog,
    QuestionnaireNotFoundError,
    load_catalog,
)
from app.questionnaires.hashing import content_hash
from tests.factories import TRIAGE_FILE as TRIAGE
from tests.factories import catalog_errors, read_questionnaire, write_questionnaire


def test_real_catalog_loads_and_lists(catalog: Catalog) -> None:
    summaries = {s.key: s for s in catalog.summaries()}
    triage = summaries["ai-use-triage"]
    assert triage.latest == "2.1.0"
    assert triage.title["en"] == "AI use-case intake triage"
    assert catalog.get("ai-use-triage").version == "2.1.0"
    version = catalog.get("ai-use-triage", "1.0.0")
    assert len(version.content_hash) == 64
    assert version.content_hash == content_hash(read_questionnaire(DEFAULT_ROOT))


def test_unknown_key_or_version(catalog: Catalog) -> None:
    with pytest.raises(QuestionnaireNotFoundError):
        catalog.get("nope")
    with pytest.raises(QuestionnaireNotFoundError):
        catalog.get("ai-use-triage", "9.9.9")


def test_scratch_copy_loads(scratch: Path) -> None:
    assert [v.ref for v in load_catalog(scratch)] == ["ai-use-triage@1.0.0"]


def test_every_problem_is_reported_with_file_and_pointer(scratch: Path) -> None:
    data = read_questionnaire(scratch)
    data["version"] = "1.0.1"
    data["sections"][1]["items"][0]["options"][0]["code"] = "buy"  # duplicate code
    rules = data["scoring"]["rules"]
    rules[2]["then"]["controls"] = ["iso-42001:A.99.9"]
    rules[2]["then"]["obligations"] = ["iso-42001:A.5.2"]
    rules[3]["when"] = {"includes_any": [{"var": "practices"}, ["teleportation"]]}
    rules[4]["when"] = {"==": [{"var": "uses_ai"}, True]}
    write_questionnaire(scratch, data)
    errors = catalog_errors(scratch)
    f = "questionnaires/" + TRIAGE
    assert f"{f}:/version: version '1.0.1' differs from the file name '1.0.0.json'" in errors
    assert f"{f}:/sections/1/items/0/options/1/code: duplicate option code 'buy'" in errors
    assert f"{f}:/scoring/rules/2/then/controls/0: unknown control 'iso-42001:A.99.9'" in errors
    assert any(e.startswith(f"{f}:/scoring/rules/2/then/obligations/0: ") for e in errors)
    assert (
        f"{f}:/scoring/rules/3/when/includes_any/1/0: 'teleportation' is not an option of "
        "'practices'" in errors
    )
    assert any(e.startswith(f"{f}:/scoring/rules/4/when/==/1: ") for e in errors)
    assert len(errors) >= 6


def test_shape_errors_point_into_the_file(scratch: Path) -> None:
    data = read_questionnaire(scratch)
    data["sections"][0]["items"][1]["type"] = "paragraph"
    data["sections"][0]["items"][2]["max_length"] = -1
    del data["title"]["en"]
    write_questionnaire(scratch, data)
    errors = catalog_errors(scratch)
    f = "questionnaires/" + TRIAGE
    assert any(e.startswith(f"{f}:/sections/0/items/1: ") for e in errors)
    assert any(e.startswith(f"{f}:/sections/0/items/2/max_length: ") for e in errors)
    assert any(e.startswith(f"{f}:/title: ") for e in errors)


def test_not_json_and_wrong_folder(scratch: Path) -> None:
    (scratch / "ai-use-triage" / "2.0.0.json").write_text("{not json")
    data = read_questionnaire(scratch)
    write_questionnaire(scratch, data, "other-key/1.0.0.json")
    errors = catalog_errors(scratch)
    assert any(e.startswith("questionnaires/ai-use-triage/2.0.0.json:/: not JSON") for e in errors)
    assert any("key 'ai-use-triage' differs from the folder name 'other-key'" in e for e in errors)


def test_published_version_needs_scenarios_and_valid_ones(scratch: Path) -> None:
    scenarios = read_questionnaire(scratch, "ai-use-triage/1.0.0.scenarios.json")
    scenarios["scenarios"][0]["answers"]["uses_ai"] = "perhaps"
    scenarios["scenarios"][1]["expect"]["fired"].append("no_such_rule")
    write_questionnaire(scratch, scenarios, "ai-use-triage/1.0.0.scenarios.json")
    errors = catalog_errors(scratch)
    s = "questionnaires/ai-use-triage/1.0.0.scenarios.json"
    assert any(e.startswith(f"{s}:/scenarios/0/answers/uses_ai: ") for e in errors)
    assert f"{s}:/scenarios/1/expect/fired/2: unknown id 'no_such_rule'" in errors
    (scratch / "ai-use-triage" / "1.0.0.scenarios.json").unlink()
    assert any("needs golden scenarios" in e for e in catalog_errors(scratch))


def test_logic_hash_ignores_wording_content_hash_does_not(scratch: Path) -> None:
    before = load_catalog(scratch).get("ai-use-triage", "1.0.0")
    data = read_questionnaire(scratch)
    data["sections"][0]["items"][1]["text"]["en"] = "Reworded"
    data["scoring"]["rules"][0]["rationale"]["en"] = "Reworded too"
    write_questionnaire(scratch, data)
    after = load_catalog(scratch).get("ai-use-triage", "1.0.0")
    assert after.logic_hash == before.logic_hash
    assert after.content_hash != before.content_hash
    data["sections"][0]["items"][1]["required"] = False
    write_questionnaire(scratch, data)
    assert load_catalog(scratch).get("ai-use-triage", "1.0.0").logic_hash != before.logic_hash


def test_lock_refuses_changes_to_published_versions(scratch: Path) -> None:
    assert lock.update_lock(load_catalog(scratch)) == ["ai-use-triage@1.0.0"]
    assert lock.update_lock(load_catalog(scratch)) == []
    data = read_questionnaire(scratch)
    data["description"]["en"] = "Edited after publication"
    write_questionnaire(scratch, data)
    errors = catalog_errors(scratch)
    assert any("is published and locked, but its content_hash changed" in e for e in errors)


def _release(root: Path, version: str, edit: Any = None) -> None:
    data = read_questionnaire(root)
    data["version"] = version
    if edit is not None:
        edit(data)
    write_questionnaire(root, data, f"ai-use-triage/{version}.json")
    scenarios = read_questionnaire(root, "ai-use-triage/1.0.0.scenarios.json")
    write_questionnaire(root, scenarios, f"ai-use-triage/{version}.scenarios.json")


def test_semver_patch_may_change_wording_only(scratch: Path) -> None:
    def reword(d: dict[str, Any]) -> None:
        d["title"]["en"] = "Reworded triage"

    _release(scratch, "1.0.1", reword)
    assert load_catalog(scratch).get("ai-use-triage").version == "1.0.1"

    def relogic(d: dict[str, Any]) -> None:
        d["scoring"]["rules"][4]["then"]["tier"] = "light"

    _release(scratch, "1.0.2", relogic)
    assert any("is a patch of 1.0.1 but changes logic" in e for e in catalog_errors(scratch))


def test_semver_minor_adds_optional_items_and_keeps_results(scratch: Path) -> None:
    def add_optional(d: dict[str, Any]) -> None:
        d["sections"][0]["items"].append(
            {"id": "comments", "type": "text", "text": {"en": "Anything else?"}}
        )

    _release(scratch, "1.1.0", add_optional)
    assert load_catalog(scratch).get("ai-use-triage").version == "1.1.0"

    def change_result(d: dict[str, Any]) -> None:
        add_optional(d)
        d["sections"][0]["items"][-1]["required"] = True
        d["scoring"]["rules"][4]["then"]["tier"] = "light"

    _release(scratch, "1.2.0", change_result)
    errors = catalog_errors(scratch)
    assert any("changes item 'comments'" in e for e in errors)
    assert any("changes the result of scenario 'cv_screening_vendor'" in e for e in errors)
    (scratch / "ai-use-triage" / "1.2.0.json").rename(scratch / "ai-use-triage" / "2.0.0.json")
    (scratch / "ai-use-triage" / "1.2.0.scenarios.json").unlink()
    data = read_questionnaire(scratch, "ai-use-triage/2.0.0.json")
    data["version"] = "2.0.0"
    write_questionnaire(scratch, data, "ai-use-triage/2.0.0.json")
    write_questionnaire(
        scratch,
        {
            "scenarios": [
                {
                    "id": "empty",
                    "description": "d",
                    "answers": {},
                    "expect": {"tier": "register_only", "fired": []},
                }
            ]
        },
        "ai-use-triage/2.0.0.scenarios.json",
    )
    assert load_catalog(scratch).get("ai-use-triage").version == "2.0.0"


def test_committed_lock_holds_exactly_the_released_versions_and_their_hashes(
    catalog: Catalog,
) -> None:
    # Read from the file itself, not through the loader's own lock check.
    locked = json.loads((DEFAULT_ROOT / lock.LOCK_FILE).read_text())
    released = {
        v.ref: {"content_hash": v.content_hash, "logic_hash": v.logic_hash}
        for v in catalog
        if v.released
    }
    assert locked == released


def test_localised_document(catalog: Catalog) -> None:
    version = catalog.get("ai-use-triage")
    assert "de" in version.languages
    german = version.document("de")
    assert german["title"] == "Erstbewertung von KI-Anwendungsfällen"
    # untranslated texts fall back to English
    assert german["sections"][0]["items"][1]["text"] == "Name des Anwendungsfalls"
    assert german["sections"][0]["items"][2]["help"].startswith("Describe")
    assert version.document()["title"]["en"] == "AI use-case intake triage"


def test_named_conditions_are_checked_with_pointers(scratch: Path) -> None:
    data = read_questionnaire(scratch)
    data["conditions"] = {
        "not_ai": {"==": [{"var": "uses_ai"}, "no"]},
        "unsure": {"==": [{"var": "uses_ai"}, "maybe"]},
        "spare": {"==": [{"var": "uses_ai"}, "yes"]},
    }
    data["scoring"]["rules"][0]["when"] = {"condition": "not_ai"}
    data["scoring"]["rules"][1]["when"] = {"all": [{"condition": "unsure"}, {"condition": "x"}]}
    write_questionnaire(scratch, data)
    errors = catalog_errors(scratch)
    f = "questionnaires/" + TRIAGE
    assert f"{f}:/conditions/unsure/==/1: 'maybe' is not an option of 'uses_ai'" in errors
    assert f"{f}:/conditions/spare: named condition 'spare' is never used" in errors
    assert f"{f}:/scoring/rules/1/when/all/1/condition: unknown named condition 'x'" in errors


def test_naming_a_sub_condition_keeps_the_logic_hash(scratch: Path) -> None:
    before = load_catalog(scratch).get("ai-use-triage", "1.0.0")
    data = read_questionnaire(scratch)
    when = data["scoring"]["rules"][0]["when"]
    data["conditions"] = {"not_ai": when}
    data["scoring"]["rules"][0]["when"] = {"condition": "not_ai"}
    write_questionnaire(scratch, data)
    named = load_catalog(scratch).get("ai-use-triage", "1.0.0")
    assert named.logic_hash == before.logic_hash
    assert named.content_hash != before.content_hash
    assert named.program.named["not_ai"].reads == frozenset({"uses_ai"})
    data["conditions"]["not_ai"] = {"==": [{"var": "uses_ai"}, "unsure"]}
    write_questionnaire(scratch, data)
    assert load_catalog(scratch).get("ai-use-triage", "1.0.0").logic_hash != before.logic_hash


def _v2_with_migrations(root: Path, migrations: Any) -> None:
    data = read_questionnaire(root)
    data["version"] = "2.0.0"
    data["status"] = "draft"
    data["migrations"] = migrations
    write_questionnaire(root, data, "ai-use-triage/2.0.0.json")


def test_migrations_are_typed_and_checked_against_both_versions(scratch: Path) -> None:
    _v2_with_migrations(
        scratch,
        [
            {
                "from": "1.0.0",
                "renamed": {"use_case_name": "owner_email"},
                "recoded": {"our_role": {"adapt": "buy"}},
                "dropped": ["planned_start"],
            }
        ],
    )
    version = load_catalog(scratch).get("ai-use-triage", "2.0.0")
    (step,) = version.model.migrations or []
    assert step.from_ == "1.0.0"
    assert step.recoded == {"our_role": {"adapt": "buy"}}

    _v2_with_migrations(
        scratch,
        [
            {
                "from": "0.9.0",
                "renamed": {"old_name": "use_case_name", "use_case_name": "ghost"},
                "recoded": {"our_role": {"adapt": "modify"}, "use_case_name": {"a": "b"}},
                "dropped": ["never_there"],
            },
            {"from": "1.0.0"},
            {"from": "1.0.0"},
            {"from": "2.0.0"},
        ],
    )
    errors = catalog_errors(scratch)
    f = "questionnaires/ai-use-triage/2.0.0.json"
    v2 = "ai-use-triage@2.0.0"
    assert (
        f"{f}:/migrations/0/from: 0.9.0 is not an earlier version of 'ai-use-triage' in the catalog"
        in errors
    )
    assert (
        f"{f}:/migrations/0/renamed/use_case_name: 'ghost' is not an answerable item of {v2}"
        in errors
    )
    assert (
        f"{f}:/migrations/0/recoded/our_role/adapt: 'modify' is not an option of 'our_role' in {v2}"
        in errors
    )
    assert (
        f"{f}:/migrations/0/recoded/use_case_name: 'use_case_name' is not a choice item of {v2}"
        in errors
    )
    assert f"{f}:/migrations/2/from: a second migration from 1.0.0" in errors
    assert (
        f"{f}:/migrations/3/from: 2.0.0 is not an earlier version of 'ai-use-triage' in the catalog"
        in errors
    )
    _v2_with_migrations(
        scratch,
        [{"from": "1.0.0", "renamed": {"old_name": "use_case_name"}, "dropped": ["never_there"]}],
    )
    errors = catalog_errors(scratch)
    assert (
        f"{f}:/migrations/0/renamed/old_name: 'old_name' is not an item of ai-use-triage@1.0.0"
        in errors
    )
    assert (
        f"{f}:/migrations/0/dropped/0: 'never_there' is not an item of ai-use-triage@1.0.0"
        in errors
    )
    _v2_with_migrations(scratch, [{"from": "1.0.0", "renamed": {"a": "b"}, "moved": {}}])
    errors = catalog_errors(scratch)
    assert any(e.startswith(f"{f}:/migrations/0/moved: ") for e in errors)
    assert any(e.startswith(f"{f}:/migrations/0/renamed/a: ") for e in errors)  # not a slug


def _with_unknown_role(data: dict[str, Any]) -> dict[str, Any]:
    for section in data["sections"]:
        for item in section["items"]:
            if item["id"] == "our_role":
                item["options"].append(
                    {"code": "not_known", "label": {"en": "We do not know"}, "unknown": True}
                )
    return data


def test_an_unknown_option_answers_but_leaves_dependents_waiting(scratch: Path) -> None:
    before = load_catalog(scratch).get("ai-use-triage", "1.0.0")
    write_questionnaire(scratch, _with_unknown_role(read_questionnaire(scratch)))
    version = load_catalog(scratch).get("ai-use-triage", "1.0.0")
    assert version.logic_hash != before.logic_hash
    reads_role = [r.spec.id for r in version.program.rules if "our_role" in r.condition.reads]
    assert reads_role
    answers = {"uses_ai": "yes", "our_role": "develop"}
    known = version.evaluate(answers, as_of=date(2026, 11, 27))
    unknown = version.evaluate({**answers, "our_role": "not_known"}, as_of=date(2026, 11, 27))
    assert version.validate({**answers, "our_role": "not_known"}) == []
    assert "our_role" not in unknown.missing_required
    waiting = {u.id for u in unknown.undetermined if "our_role" in u.waits_for}
    assert waiting == set(reads_role) - {f.id for f in unknown.fired}
    assert waiting, "a rule reading the item must wait for it"
    assert not any("our_role" in u.waits_for for u in known.undetermined)


def test_unknown_options_are_checked_at_load(scratch: Path) -> None:
    data = _with_unknown_role(read_questionnaire(scratch))
    f = "questionnaires/" + TRIAGE
    for section in data["sections"]:
        for item in section["items"]:
            if item["id"] == "our_role":
                item["options"].append(
                    {"code": "no_idea", "label": {"en": "No idea"}, "unknown": True}
                )
            if item["id"] == "purpose_areas":
                item["options"][0]["unknown"] = True
    data["scoring"]["rules"][0]["when"] = {
        "all": [data["scoring"]["rules"][0]["when"], {"==": [{"var": "our_role"}, "not_known"]}]
    }
    write_questionnaire(scratch, data)
    errors = catalog_errors(scratch)
    assert any(e.endswith("/options/4/unknown: a second unknown option") for e in errors), errors
    assert any(
        e.endswith("/options/0/unknown: an unknown option is for single choices") for e in errors
    ), errors
    # a condition may not test for the unknown code: it never becomes a fact
    assert any(
        e.startswith(f"{f}:/scoring/rules/0/when/all/1") and "not_known" in e for e in errors
    ), errors
