"""Reasons: a profile of rules turns a face's components into ordered reason codes, each with an instruction for
the person in front of the camera.

A profile is JSON (``default_profile.json`` ships; pass your own path to override it): ``{"name", "rules": [...]}``,
each rule ``{"code", "component", <condition>, "instruction"}`` with exactly one condition: ``raw_below``,
``raw_above``, ``abs_raw_above`` (in the component's raw units, `crfiqa_tf.components.compute.UNITS`) or
``value_below`` (its 0–100 value). A rule whose component is empty does not fire; a code given by several rules
(``TOO_DARK`` from the mean luminance or from the share of dark pixels) is reported once, at its first rule's place.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from crfiqa_tf import paths
from crfiqa_tf.components.compute import COMPONENTS, Component

CONDITIONS = ("raw_below", "raw_above", "abs_raw_above", "value_below")
DEFAULT_PROFILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "default_profile.json")


@dataclass(frozen=True)
class Reason:
    code: str
    instruction: str
    component: str  # the component that fired first for this code
    raw: float
    value: int


@dataclass(frozen=True)
class Rule:
    code: str
    component: str
    condition: str
    threshold: float
    instruction: str

    def fires(self, component: Component) -> bool:
        if component.raw is None:
            return False
        if self.condition == "raw_below":
            return component.raw < self.threshold
        if self.condition == "raw_above":
            return component.raw > self.threshold
        if self.condition == "abs_raw_above":
            return abs(component.raw) > self.threshold
        return component.value < self.threshold


def load_profile(path: str | None = None) -> list[Rule]:
    """The rules of a profile file (local or remote path; default: the shipped profile). Raises ValueError naming
    the file and the rule for anything malformed."""
    path = path or DEFAULT_PROFILE
    return parse_profile(paths.read_text(path), path)


def parse_profile(text: str, path: str) -> list[Rule]:
    """The rules of a profile's JSON `text` read from `path` (named in errors)."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{path}: not a JSON reasons profile ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list) or not document["rules"]:
        raise ValueError(f'{path}: a reasons profile is an object with a non-empty "rules" list')
    rules = []
    for number, entry in enumerate(document["rules"], start=1):
        where = f"{path}: rule {number}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected an object, got {entry!r}")
        missing = [key for key in ("code", "component", "instruction") if not entry.get(key)]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)}")
        if entry["component"] not in COMPONENTS:
            raise ValueError(f"{where}: unknown component {entry['component']!r}; known: {', '.join(COMPONENTS)}")
        conditions = [key for key in CONDITIONS if key in entry]
        unknown = sorted(set(entry) - {"code", "component", "instruction", *CONDITIONS})
        if len(conditions) != 1 or unknown:
            raise ValueError(
                f"{where} ({entry['code']}): give exactly one of {', '.join(CONDITIONS)}"
                + (f"; unknown keys {', '.join(unknown)}" if unknown else "")
            )
        threshold = entry[conditions[0]]
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ValueError(f"{where} ({entry['code']}): {conditions[0]} must be a number, got {threshold!r}")
        rules.append(Rule(entry["code"], entry["component"], conditions[0], float(threshold), entry["instruction"]))
    return rules


def reasons_for(components: dict[str, Component], rules: list[Rule]) -> list[Reason]:
    """The reasons that fire for one face, in rule order, each code once."""
    found: dict[str, Reason] = {}
    for rule in rules:
        component = components.get(rule.component)
        if rule.code not in found and component is not None and rule.fires(component):
            found[rule.code] = Reason(rule.code, rule.instruction, rule.component, component.raw, component.value)
    return list(found.values())
