"""Reasons (`crfiqa_tf.components.reasons`): each rule condition on both sides of its threshold and at it, both
signs where the sign matters, an empty component, the order and de-duplication of codes, and every refusal of a
malformed profile, named."""

import json

import pytest

from crfiqa_tf.components import DEFAULT_PROFILE, load_profile, reasons_for
from crfiqa_tf.components.compute import Component
from crfiqa_tf.components.reasons import Rule, parse_profile


@pytest.mark.parametrize(
    "condition, raw, value, fires",
    [
        ("raw_below", 0.99, 50, True),
        ("raw_below", 1.0, 50, False),  # at the threshold: not below
        ("raw_below", 1.01, 50, False),
        ("raw_above", 1.01, 50, True),
        ("raw_above", 1.0, 50, False),  # at the threshold: not above
        ("raw_above", 0.99, 50, False),
        ("raw_above", -5.0, 50, False),  # a signed measure far below: raw_above does not take the magnitude
        ("abs_raw_above", 1.01, 50, True),
        ("abs_raw_above", -1.01, 50, True),  # either sign (yaw to the left or to the right)
        ("abs_raw_above", 1.0, 50, False),
        ("abs_raw_above", -1.0, 50, False),
        ("abs_raw_above", -0.5, 50, False),
        ("value_below", 5.0, 0, True),  # value_below reads the 0-100 value, not the raw
        ("value_below", -5.0, 1, False),  # at the threshold (1)
        ("value_below", -5.0, 2, False),
    ],
)
def test_each_condition_at_and_around_its_threshold(condition, raw, value, fires):
    threshold = 1.0
    assert Rule("CODE", "head_pose_yaw", condition, threshold, "do it").fires(Component(raw, value)) is fires


@pytest.mark.parametrize("condition", ["raw_below", "raw_above", "abs_raw_above", "value_below"])
def test_an_empty_component_never_fires(condition):
    assert (
        Rule("CODE", "head_pose_yaw", condition, 1e9 if condition != "raw_above" else -1e9, "x").fires(
            Component(None, None, "no_mesh: ...")
        )
        is False
    )


def test_codes_come_in_rule_order_once_each_from_their_first_rule():
    rules = [
        Rule("TOO_DARK", "luminance_mean", "raw_below", 0.1, "turn on a light"),
        Rule("FACE_FORWARD", "head_pose_yaw", "abs_raw_above", 20.0, "face the camera"),
        Rule("TOO_DARK", "under_exposure", "value_below", 50, "turn on a light (2)"),
        Rule("BLURRED", "sharpness", "value_below", 50, "hold still"),
    ]
    components = {
        "luminance_mean": Component(0.5, 80),  # not dark by its mean...
        "head_pose_yaw": Component(-30.0, 40),
        "under_exposure": Component(0.4, 10),  # ...but by its dark pixels: TOO_DARK from the third rule
        "sharpness": Component(0.2, 20),
    }
    reasons = reasons_for(components, rules)
    assert [(r.code, r.component, r.instruction) for r in reasons] == [
        ("FACE_FORWARD", "head_pose_yaw", "face the camera"),
        ("TOO_DARK", "under_exposure", "turn on a light (2)"),
        ("BLURRED", "sharpness", "hold still"),
    ]
    assert (reasons[0].raw, reasons[0].value) == (-30.0, 40)
    components["luminance_mean"] = Component(0.05, 5)  # now the first rule fires: its instruction, once
    reasons = reasons_for(components, rules)
    assert [(r.code, r.instruction) for r in reasons][0] == ("TOO_DARK", "turn on a light")
    assert [r.code for r in reasons] == ["TOO_DARK", "FACE_FORWARD", "BLURRED"]
    assert reasons_for({}, rules) == []  # components not measured: nothing fires


def test_the_shipped_profile_parses_and_names_known_components():
    rules = load_profile(None)
    assert rules == load_profile(DEFAULT_PROFILE) and len(rules) >= 10
    assert {rule.condition for rule in rules} <= {"raw_below", "raw_above", "abs_raw_above", "value_below"}


GOOD = {"code": "C", "component": "sharpness", "value_below": 50, "instruction": "hold still"}


@pytest.mark.parametrize(
    "document, message",
    [
        ("not json", r"p\.json: not a JSON reasons profile"),
        ([], r'p\.json: a reasons profile is an object with a non-empty "rules" list'),
        ({"rules": []}, "non-empty"),
        ({"rules": {"a": 1}}, "non-empty"),
        ({"rules": ["x"]}, r"p\.json: rule 1: expected an object, got 'x'"),
        ({"rules": [GOOD, {**GOOD, "code": ""}]}, r"p\.json: rule 2: missing code"),
        ({"rules": [{**GOOD, "component": "", "instruction": ""}]}, "rule 1: missing component, instruction"),
        ({"rules": [{**GOOD, "component": "shoe_size"}]}, r"rule 1: unknown component 'shoe_size'; known: .*sharpness"),
        ({"rules": [{**GOOD, "raw_above": 1}]}, r"rule 1 \(C\): give exactly one of raw_below, raw_above"),
        ({"rules": [{k: v for k, v in GOOD.items() if k != "value_below"}]}, "give exactly one of"),
        ({"rules": [{**GOOD, "colour": 3}]}, r"give exactly one of .*; unknown keys colour"),
        ({"rules": [{**GOOD, "value_below": "50"}]}, r"rule 1 \(C\): value_below must be a number, got '50'"),
        ({"rules": [{**GOOD, "value_below": True}]}, r"value_below must be a number, got True"),
    ],
)
def test_malformed_profiles_are_refused_naming_the_file_and_rule(document, message):
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(ValueError, match=message):
        parse_profile(text, "p.json")


def test_a_good_profile_becomes_rules():
    rules = parse_profile(json.dumps({"rules": [GOOD, {**GOOD, "code": "D", "value_below": 7}]}), "p.json")
    assert rules == [
        Rule("C", "sharpness", "value_below", 50.0, "hold still"),
        Rule("D", "sharpness", "value_below", 7.0, "hold still"),
    ]
    assert all(isinstance(rule.threshold, float) for rule in rules)


def test_a_malformed_profile_file_is_named_by_its_path(tmp_path):
    path = tmp_path / "strict.json"
    path.write_text(json.dumps({"rules": [{**GOOD, "component": "shoe_size"}]}))
    with pytest.raises(ValueError, match=r"strict\.json: rule 1: unknown component 'shoe_size'"):
        load_profile(str(path))
    path.write_text(json.dumps({"rules": [GOOD]}))
    assert load_profile(str(path)) == [Rule("C", "sharpness", "value_below", 50.0, "hold still")]
