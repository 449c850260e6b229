"""Face detectors for `--align` compared on real photos: misses, false faces, landmark error, time per photo.

    python -m benchmarks.detectors

Photos (crfiqa_tf/data/sample_photos.py: skimage, matplotlib, the insightface wheel) with the faces a person counts
in each; the 100 faces and 100 non-faces of scikit-image's LFW subset (25×25 grey crops, upscaled 4× and set in
a 250×250 frame); landmark error on insightface's own aligned portrait against the template (where insightface's
alignment put the five points), as a fraction of the template's inter-ocular distance. Each detector runs in the
same process on the same images; the time is the median of three passes over the photos.
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
from PIL import Image

from benchmarks.common import markdown_table, report
from crfiqa_tf.align.detection import DETECTORS
from crfiqa_tf.align.detector_registry import make_detector
from crfiqa_tf.align.similarity import ARCFACE_TEMPLATE
from crfiqa_tf.data.sample_photos import PHOTOS, available, face_count, photo

INTER_OCULAR = float(np.linalg.norm(ARCFACE_TEMPLATE[1] - ARCFACE_TEMPLATE[0]))


def lfw_frames() -> tuple[list[np.ndarray], np.ndarray]:
    """scikit-image's LFW subset: 100 faces then 100 non-faces, each 25×25 grey, as 250×250 RGB frames."""
    import skimage.data

    crops = np.load(os.path.join(os.path.dirname(skimage.data.__file__), "lfw_subset.npy"))
    frames = []
    for crop in crops:
        face = Image.fromarray((crop * 255).astype(np.uint8)).resize((100, 100), Image.BILINEAR)
        grey = np.pad(np.asarray(face), 75, mode="edge")
        frames.append(np.stack([grey] * 3, axis=-1))
    return frames, np.arange(len(crops)) < 100


def measure(name: str, photos: dict[str, np.ndarray], lfw: list[np.ndarray], is_face: np.ndarray) -> dict:
    detector = make_detector(name)
    detector.detect(photos["astronaut"])  # warm-up (graph tracing, interpreter allocation)
    found = {key: detector.detect(image) for key, image in photos.items()}
    passes = []
    for _ in range(3):
        start = time.perf_counter()
        for image in photos.values():
            detector.detect(image)
        passes.append((time.perf_counter() - start) / len(photos))
    misses = sum(max(0, face_count(k) - len(found[k])) for k in photos)
    false_faces = sum(max(0, len(found[k]) - face_count(k)) for k in photos)
    lfw_hits = np.array([len(detector.detect(frame)) > 0 for frame in lfw])
    portrait = found.get("aligned_portrait") or []
    landmark_error = (
        float(np.mean(np.linalg.norm(portrait[0].landmarks - ARCFACE_TEMPLATE, axis=1)) / INTER_OCULAR)
        if portrait
        else float("nan")
    )
    return {
        "what": name,
        "faces_expected": sum(face_count(k) for k in photos),
        "missed": misses,
        "false_faces": false_faces,
        "per_photo": {k: f"{len(found[k])}/{face_count(k)}" for k in photos},
        "lfw_faces_found": int(lfw_hits[is_face].sum()),
        "lfw_non_faces_flagged": int(lfw_hits[~is_face].sum()),
        "landmark_error_iod": landmark_error,
        "ms_per_photo": 1000 * statistics.median(passes),
        "found": found,
    }


def agreement(first: dict, second: dict) -> float:
    """Mean distance between the two detectors' five points on the faces both found (matched by box centre), as
    a fraction of the inter-ocular distance."""
    errors = []
    for key, faces in first["found"].items():
        for face in faces:
            centre = (np.array(face.box[:2]) + face.box[2:]) / 2
            others = second["found"][key]
            if not others:
                continue
            match = min(others, key=lambda o: np.linalg.norm((np.array(o.box[:2]) + o.box[2:]) / 2 - centre))
            iod = np.linalg.norm(match.landmarks[1] - match.landmarks[0])
            if np.linalg.norm((np.array(match.box[:2]) + match.box[2:]) / 2 - centre) < iod:
                errors.append(np.mean(np.linalg.norm(face.landmarks - match.landmarks, axis=1)) / iod)
    return float(np.mean(errors)) if errors else float("nan")


def main() -> dict:
    names = [name for name in PHOTOS if name in available()]
    photos = {name: photo(name) for name in names}
    lfw, is_face = lfw_frames()
    rows = [measure(name, photos, lfw, is_face) for name in DETECTORS]
    extra = {
        "photos": {name: f"{PHOTOS[name][0]}:{PHOTOS[name][1]}" for name in names},
        "landmark_agreement_iod": agreement(rows[0], rows[1]),
        f"ratio_ms_{rows[1]['what']}_vs_{rows[0]['what']}": rows[1]["ms_per_photo"] / rows[0]["ms_per_photo"],
    }
    for row in rows:
        del row["found"]
    return report("detectors", rows, extra)


MARKER = "DETECTORS"  # the block of docs/BENCHMARKS.md that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """The detector comparison, from benchmarks/results/detectors.json."""
    faceless = sum(v.endswith("/0") for v in result["rows"][0]["per_photo"].values())
    intro = (
        f"`python -m benchmarks.detectors`, {result['machine']}, {result['date']}: the sample photos of "
        f"`crfiqa_tf/data/sample_photos.py` ({len(result['photos'])} photos, {result['rows'][0]['faces_expected']} "
        f"faces, {faceless} photos without any), scikit-image's LFW subset (100 faces, 100 non-faces; 25×25 grey, "
        "upscaled 4×) and the landmark error on insightface's own aligned portrait against the template, as a "
        "fraction of the inter-ocular distance."
    )
    header = ["detector", "missed faces", "false faces", "LFW faces found", "LFW non-faces flagged"]
    header += ["landmark error (IOD)", "ms per photo"]
    table = [
        [
            r["what"],
            f"{r['missed']} of {r['faces_expected']}",
            r["false_faces"],
            f"{r['lfw_faces_found']}/100",
            f"{r['lfw_non_faces_flagged']}/100",
            f"{r['landmark_error_iod']:.3f}",
            f"{r['ms_per_photo']:.0f}",
        ]
        for r in result["rows"]
    ]
    lines = [intro, "", *markdown_table(header, table)]
    ratio = next(v for k, v in result.items() if k.startswith("ratio_ms_"))
    lines += [
        "",
        f"The two detectors' five points lie {result['landmark_agreement_iod']:.3f} inter-ocular distances apart on "
        f"average on the faces both found; MTCNN takes {ratio:.1f}× BlazeFace's time per photo.",
    ]
    return "\n".join(lines)


def table_row(row: dict) -> tuple[str, str, str]:
    note = (
        f"missed {row['missed']} of {row['faces_expected']} faces, {row['false_faces']} false; LFW "
        f"{row['lfw_faces_found']}/100 faces, {row['lfw_non_faces_flagged']}/100 non-faces flagged"
    )
    return row["what"], f"{row['ms_per_photo']:.3g} ms/photo", note


if __name__ == "__main__":
    main()
