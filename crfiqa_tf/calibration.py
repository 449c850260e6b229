"""Raw quality → a 0–100 score users can read, via a logistic fitted on a reference set's percentiles.

CR-FIQA's raw output (a predicted certainty ratio) has no fixed range and shifts between models. In the spirit
of OFIQ's unified quality-score mapping, the calibration maps the reference set's median to 50 and spreads its
5th–95th percentile range over about 90 points (exactly 5 and 95 when the two percentiles are symmetric about the
median): ``score = 100 / (1 + exp(−(q − centre) / scale))``. It is stored as JSON beside the model
and applied by every path through `rescore` (NumPy: the scorers, the Beam handlers, the client's photo rows) or
`rescore_in_graph` (TF ops: the exported SavedModel and the models converted from it); the raw quality is always
kept next to the score. Imports NumPy only.
"""

from __future__ import annotations

import json
import math

import numpy as np

from crfiqa_tf import signatures as sig

LOW, HIGH = 5.0, 95.0  # percentiles of the reference set mapped to these scores


def fit_calibration(reference_quality, reference: str = "") -> dict:
    quality = np.asarray(reference_quality, np.float64).reshape(-1)
    if quality.size < 10:
        raise ValueError(f"calibration needs at least 10 reference qualities, got {quality.size}")
    if not np.all(np.isfinite(quality)):
        raise ValueError("reference qualities contain NaN or infinity")
    low, centre, high = np.percentile(quality, [LOW, 50.0, HIGH])
    spread = high - low
    if spread <= 0:
        raise ValueError("reference qualities are (nearly) constant; a calibration cannot be fitted")
    scale = spread / (2.0 * math.log(HIGH / (100.0 - HIGH)))
    return {
        "type": "logistic",
        "centre": float(centre),
        "scale": float(scale),
        "reference": reference,
        "reference_size": int(quality.size),
        "reference_percentiles": {"5": float(low), "50": float(centre), "95": float(high)},
    }


def apply_calibration(quality, calibration: dict) -> np.ndarray:
    """0–100 scores for raw qualities."""
    if calibration.get("type") != "logistic":
        raise ValueError(f"unknown calibration type {calibration.get('type')!r}")
    z = (np.asarray(quality, np.float64) - calibration["centre"]) / calibration["scale"]
    return 100.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))


def rescore(outputs: dict, calibration: dict | None) -> np.ndarray | None:
    """The 0–100 score for a model's raw outputs (`crfiqa_tf.signatures` names), in the raw quality's shape.

    Where the calibration is known the score is recomputed from the raw quality: it may override the one built
    into the model, and a full-int8 model's own score output is quantized in steps of 100/255, so every model kind
    gives the same score for the same image. Without one, the model's own ``quality_score`` (None if it has none).
    """
    if calibration is not None:
        return apply_calibration(outputs[sig.OUTPUT_QUALITY], calibration)
    own = outputs.get(sig.OUTPUT_QUALITY_SCORE)
    return None if own is None else np.asarray(own, np.float64)


def rescore_in_graph(quality, calibration: dict):
    """`apply_calibration` in TensorFlow ops, for the exported graphs."""
    import tensorflow as tf

    z = (quality - float(calibration["centre"])) / float(calibration["scale"])
    # sigmoid, not 1 / (1 + exp): TFLite's int8 LOGISTIC kernel is exact where an int8 DIV can fail.
    return 100.0 * tf.sigmoid(z)


def save_calibration(calibration: dict, path: str) -> None:
    from crfiqa_tf import paths

    paths.write_text(path, json.dumps(calibration, indent=2))


def rejection_thresholds(reference_quality, fractions=(0.05, 0.10, 0.20)) -> list[dict]:
    """For each fraction, the raw quality below which that fraction of the reference set lies (rejecting below it
    rejects that share of images like the reference ones), with the quality_score it maps to, once fitted."""
    quality = np.asarray(reference_quality, np.float64).reshape(-1)
    return [{"reject_fraction": f, "quality": float(np.quantile(quality, f))} for f in fractions]


def fit_with_thresholds(reference_quality, reference: str = "") -> dict:
    """`fit_calibration` with the reference set's `rejection_thresholds`, each with the quality_score it maps to:
    what `crfiqa-tf calibrate` writes, and the reject points the review report draws."""
    calibration = fit_calibration(reference_quality, reference)
    calibration["rejection_thresholds"] = [
        {**t, "quality_score": float(apply_calibration(t["quality"], calibration))}
        for t in rejection_thresholds(reference_quality)
    ]
    return calibration


def _finite_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_calibration(calibration, source: str) -> dict:
    """`calibration` if it is a usable calibration dict; ValueError naming `source` and the field otherwise: a
    logistic type, a finite centre, a finite scale above 0 (0, NaN or infinity would make every score 0, 50 or
    100), and, where present, rejection thresholds with a reject fraction in (0, 1), a finite quality and, where
    given, a quality_score in [0, 100]."""
    if not isinstance(calibration, dict):
        raise ValueError(f"{source}: not a calibration file (a JSON object is expected)")
    for key in ("type", "centre", "scale"):
        if key not in calibration:
            raise ValueError(f"{source}: not a calibration file (missing {key!r})")
    if calibration["type"] != "logistic":
        raise ValueError(f"{source}: unsupported calibration type {calibration['type']!r} (only 'logistic')")
    if not _finite_number(calibration["centre"]):
        raise ValueError(f"{source}: calibration centre must be a finite number, got {calibration['centre']!r}")
    if not _finite_number(calibration["scale"]) or not calibration["scale"] > 0:
        raise ValueError(f"{source}: calibration scale must be a finite number above 0, got {calibration['scale']!r}")
    thresholds = calibration.get("rejection_thresholds", [])
    if not isinstance(thresholds, list):
        raise ValueError(f"{source}: rejection_thresholds must be a list, got {type(thresholds).__name__}")
    for index, row in enumerate(thresholds):
        checks = {
            "reject_fraction": lambda v: _finite_number(v) and 0 < v < 1,
            "quality": _finite_number,
            "quality_score": lambda v: _finite_number(v) and 0 <= v <= 100,
        }
        for key, valid in checks.items():
            if key == "quality_score" and isinstance(row, dict) and key not in row:
                continue  # written by `crfiqa-tf calibrate`; a row without it draws no mark on the 0-100 histogram
            value = row.get(key) if isinstance(row, dict) else None
            if not valid(value):
                raise ValueError(f"{source}: rejection_thresholds[{index}].{key} is {value!r}, which is not usable")
    return calibration


def load_calibration(path: str) -> dict:
    from crfiqa_tf import paths

    try:
        calibration = json.loads(paths.read_text(path))
    except ValueError as error:
        raise ValueError(f"{path}: not a calibration file (not JSON: {error})") from None
    return validate_calibration(calibration, path)
