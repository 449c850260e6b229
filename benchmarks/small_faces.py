"""Faces found by their size in pixels, not by their share of the frame: recall and false faces by inter-eye
distance and by share of the frame, on composites of the packaged photos and on dlib's annotated PASCAL VOC photos;
detection time per 640×480 frame and per 12 MP photo; when a face walking towards a camera is first found.

    python -m benchmarks.small_faces

Composites (`crfiqa_tf/data/composites.py`): each portrait and the group photo scaled so that its largest face has
a given distance between the eyes, pasted at a seeded random place of a face-free photo stretched to 640×480,
1280×960 and 4000×3000; a face counts when its whole box is inside the frame and it is found when a detection's eye
midpoint lies within half its eye distance; any other detection is a false face (faces cut by the frame are neither).
Face-free frames: the four face-free photos at each frame size. VOC: dlib's ``examples/faces`` (PASCAL VOC photos,
``training.xml`` + ``testing.xml`` boxes; fetched once with ``apt-get source dlib`` into ``~/.cache/crfiqa-tf``, never
by a test); a box is found when a detection's eye midpoint lies inside it.

Detectors: BlazeFace with the tiles of `crfiqa_tf.align.tiling` and the second looks of
`crfiqa_tf.align.second_look` (default `--min-face` 20, and 16: finer tiles), with the tiles but no second look
(what the second looks add), and with the whole frame only (the detector before tiles), on LiteRT; the same tiled
pipeline in TensorFlow ops (``score_photos``); MTCNN. Second looks per frame: the mean over the composites.
Time: median of repeated detections of one frame in this process (one face of 40 px eyes), and the mean over the
640×480 composites (each detected once: faces of every size, the face-free frames, second looks where there are
hints).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ElementTree

import numpy as np
from PIL import Image

from benchmarks.common import goals_line, markdown_table, report
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE, tile_count
from crfiqa_tf.data.composites import BACKGROUNDS, GROUP, PORTRAITS, paste, score_detections

SIZES = ((640, 480), (1280, 960), (4000, 3000))
EYES = (12, 16, 20, 25, 32, 45, 64, 90, 128)
EYE_BINS = ((0, 20), (20, 30), (30, 50), (50, 100), (100, 10**6))
SHARE_BINS = ((0, 0.02), (0.02, 0.04), (0.04, 0.08), (0.08, 1.0))  # inter-eye distance over frame height
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "crfiqa-tf", "dlib-faces")


class GraphDetector:
    """`crfiqa_tf.align.aligner_tf.FaceAligner` behind the detectors' ``detect`` interface."""

    def __init__(self, min_face):
        import tensorflow as tf

        from crfiqa_tf.align import aligner_tf

        self._tf = tf
        pipeline = aligner_tf.FaceAligner(max_faces=32, min_face=min_face)
        self._faces = tf.function(pipeline.faces, input_signature=[tf.TensorSpec([None, None, 3], tf.uint8)])

    def detect(self, image):
        from types import SimpleNamespace

        out = self._faces(self._tf.constant(image))
        count = int(out["num_faces"])
        return [
            SimpleNamespace(box=tuple(out["boxes"][i].numpy()), landmarks=out["landmarks"][i].numpy())
            for i in range(count)
        ]


class WithoutSecondLooks:
    """The default LiteRT detector with `crfiqa_tf.align.second_look.MAX_LOOKS` at 0 while it detects."""

    def __init__(self):
        from crfiqa_tf.align.blazeface import BlazeFaceDetector

        self._detector = BlazeFaceDetector()

    def detect(self, image):
        from crfiqa_tf.align import second_look

        looks, second_look.MAX_LOOKS = second_look.MAX_LOOKS, 0
        try:
            return self._detector.detect(image)
        finally:
            second_look.MAX_LOOKS = looks


def counting_looks(detector) -> list:
    """A list that grows by one for each second look `detector` (a `BlazeFaceDetector`) makes."""
    looks = []
    window_candidates = detector._window_candidates

    def counted(image, left, top, side):
        looks.append(side)
        return window_candidates(image, left, top, side)

    detector._window_candidates = counted
    return looks


def detectors() -> dict:
    from crfiqa_tf.align.blazeface import BlazeFaceDetector
    from crfiqa_tf.align.mtcnn_detector import MTCNNDetector

    return {
        "blazeface tiled (LiteRT)": BlazeFaceDetector(),
        "blazeface tiled, no second look (LiteRT)": WithoutSecondLooks(),
        "blazeface tiled, --min-face 16 (LiteRT)": BlazeFaceDetector(min_face=16),
        "blazeface whole frame (LiteRT)": BlazeFaceDetector(min_face=None),
        "blazeface tiled (in-graph)": GraphDetector(DEFAULT_MIN_FACE),
        "mtcnn": MTCNNDetector(),
    }


def composites():
    """(frame size, composite) of every case, the same for every detector."""
    rng = np.random.default_rng(0)
    cases = []
    for size in SIZES:
        for k, eye in enumerate(e for e in EYES if size[0] >= 1280 or e <= 64):
            for name in (*PORTRAITS, GROUP):
                where = (rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85))
                cases.append((size, paste(size, [(name, eye, where)], background=BACKGROUNDS[k % 2])))
        for background in BACKGROUNDS:
            cases.append((size, paste(size, [], background=background)))
    return cases


def voc_photos() -> list[tuple[np.ndarray, list[tuple[float, float, float, float]]]]:
    """dlib's annotated VOC photos and their face boxes (x0, y0, x1, y1), fetched once into `CACHE`."""
    folder = os.path.join(CACHE, "examples", "faces")
    if not os.path.exists(os.path.join(folder, "testing.xml")):
        fetch_dlib_examples()
    photos = []
    for listing in ("training.xml", "testing.xml"):
        for node in ElementTree.parse(os.path.join(folder, listing)).getroot().iter("image"):
            boxes = [
                (float(b.get("left")), float(b.get("top")), float(b.get("left")) + float(b.get("width")),
                 float(b.get("top")) + float(b.get("height")))
                for b in node.iter("box")
                if b.get("ignore") != "1"
            ]  # fmt: skip
            with Image.open(os.path.join(folder, node.get("file"))) as image:
                photos.append((np.asarray(image.convert("RGB")), boxes))
    return photos


def fetch_dlib_examples() -> None:
    """``apt-get source --download-only dlib`` with Debian's source lists, then the photos out of the tarball."""
    with tempfile.TemporaryDirectory() as work:
        parts = os.path.join(work, "sources.list.d")
        os.makedirs(parts)
        with open("/etc/apt/sources.list.d/debian.sources", encoding="utf-8") as handle:
            text = handle.read().replace("Types: deb\n", "Types: deb-src\n")
        with open(os.path.join(parts, "debian-src.sources"), "w", encoding="utf-8") as handle:
            handle.write(text)
        option = f"Dir::Etc::SourceParts={parts}"
        subprocess.run(["apt-get", "-o", option, "update"], check=True, capture_output=True)
        subprocess.run(["apt-get", "-o", option, "source", "--download-only", "dlib"], cwd=work, check=True)
        (tarball,) = [f for f in os.listdir(work) if f.endswith(".orig.tar.bz2")]
        os.makedirs(CACHE, exist_ok=True)
        subprocess.run(
            ["tar", "xjf", tarball, "-C", CACHE, "--strip-components=1", "--wildcards", "*/examples/faces/*"],
            cwd=work,
            check=True,
        )


def recall_tables(found: list[tuple[float, float, bool]]) -> tuple[dict, dict]:
    """Found / total by inter-eye pixels and by share of the frame height, from (eye px, share, found)."""
    by_eye, by_share = {}, {}
    for low, high in EYE_BINS:
        label = f"{low}+ px" if high >= 10**5 else f"{low}–{high} px"
        hits = [f for e, _, f in found if low <= e < high]
        by_eye[label] = f"{sum(hits)}/{len(hits)}"
    for low, high in SHARE_BINS:
        label = f"{100 * low:g} %+" if high >= 1.0 else f"{100 * low:g}–{100 * high:g} %"
        hits = [f for _, s, f in found if low <= s < high]
        by_share[label] = f"{sum(hits)}/{len(hits)}"
    return by_eye, by_share


def voc_all(row: dict) -> bool:
    found, total = row["voc_found"].split("/")
    return found == total and row["voc_false_faces"] == 0


def median_detect_ms(detector, image, repeats: int) -> float:
    detector.detect(image)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        detector.detect(image)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def walking_towards_the_camera(detector, frames: int = 60) -> dict:
    """A portrait whose face box grows from 8 % to 40 % of a 640×480 frame's height: the first frame it is found
    in (a best-shots track starts at a face's first detection, `crfiqa_tf.best_shots.tracker`)."""
    from crfiqa_tf.data.composites import faces_in

    eyes, box = faces_in("astronaut")[0]
    box_per_eye = (box[3] - box[1]) / float(np.linalg.norm(eyes[1] - eyes[0]))
    for index, share in enumerate(np.linspace(0.08, 0.40, frames)):
        eye = share * 480 / box_per_eye
        composite = paste((640, 480), [("astronaut", eye, (0.5, 0.45))])
        found, _ = score_detections(composite, detector.detect(composite.image))
        if all(found):
            return {"first_frame": index, "of_frames": frames, "face_share": float(share), "eye_px": float(eye)}
    return {"first_frame": None, "of_frames": frames}


def main() -> dict:
    cases = composites()
    voc = voc_photos()
    rows = []
    for name, detector in detectors().items():
        found, false_on_composites, false_on_empty, vga_seconds = [], 0, 0, []
        looks = counting_looks(detector) if hasattr(detector, "_window_candidates") else None
        started = time.perf_counter()
        for (width, height), composite in cases:
            began = time.perf_counter()
            faces = detector.detect(composite.image)
            if width == 640:
                vga_seconds.append(time.perf_counter() - began)
            hits, false = score_detections(composite, faces)
            found += [(f.inter_eye, f.inter_eye / height, hit) for f, hit in zip(composite.faces, hits)]
            if composite.faces:
                false_on_composites += false
            else:
                false_on_empty += false
        composite_s = time.perf_counter() - started
        looks_per_frame = None if looks is None else len(looks) / len(cases)
        voc_found = voc_total = voc_false = 0
        for image, boxes in voc:
            faces = detector.detect(image)
            centres = [np.asarray(f.landmarks[:2]).mean(0) for f in faces]
            inside = [[b[0] <= c[0] <= b[2] and b[1] <= c[1] <= b[3] for b in boxes] for c in centres]
            voc_total += len(boxes)
            voc_found += sum(any(row[j] for row in inside) for j in range(len(boxes)))
            voc_false += sum(not any(row) for row in inside)
        by_eye, by_share = recall_tables(found)
        eligible = [hit for eye, _, hit in found if eye >= 20]
        vga = paste((640, 480), [("astronaut", 40, (0.5, 0.5))]).image
        photo_12mp = paste((4000, 3000), [("astronaut", 40, (0.5, 0.5))]).image
        is_mtcnn = name == "mtcnn"
        rows.append(
            {
                "what": name,
                "recall_20px_and_over": float(np.mean(eligible)),
                "found_20px_and_over": f"{sum(eligible)}/{len(eligible)}",
                "by_inter_eye": by_eye,
                "by_share_of_height": by_share,
                "false_faces_composites": false_on_composites,
                "false_faces_face_free": false_on_empty,
                "voc_found": f"{voc_found}/{voc_total}",
                "voc_false_faces": voc_false,
                "ms_640x480": median_detect_ms(detector, vga, 5 if is_mtcnn else 30),
                "ms_12mp": median_detect_ms(detector, photo_12mp, 2 if is_mtcnn else 5),
                "ms_640x480_composites": 1000 * float(np.mean(vga_seconds)),
                "composites_s": composite_s,
                "second_looks_per_frame": looks_per_frame,
                "walking_towards_the_camera": walking_towards_the_camera(detector),
            }
        )
    by_name = {row["what"]: row for row in rows}
    tiled, whole = by_name["blazeface tiled (LiteRT)"], by_name["blazeface whole frame (LiteRT)"]
    extra = {
        "composites": len(cases),
        "voc_photos": len(voc),
        "default_min_face": DEFAULT_MIN_FACE,
        "tiles_640x480": tile_count(480, 640, DEFAULT_MIN_FACE),
        "tiles_12mp": tile_count(3000, 4000, DEFAULT_MIN_FACE),
        "ratio_ms_640x480_tiled_vs_whole": tiled["ms_640x480"] / whole["ms_640x480"],
        "ratio_ms_12mp_tiled_vs_whole": tiled["ms_12mp"] / whole["ms_12mp"],
        "ratio_ms_640x480_composites_tiled_vs_whole": tiled["ms_640x480_composites"] / whole["ms_640x480_composites"],
        "goals": {
            "tiled recall >= 95 % at 20 px+ (LiteRT)": tiled["recall_20px_and_over"] >= 0.95,
            "tiled recall >= 95 % at 20 px+ (in-graph)": by_name["blazeface tiled (in-graph)"]["recall_20px_and_over"]
            >= 0.95,
            "tiled recall >= MTCNN's": tiled["recall_20px_and_over"] >= by_name["mtcnn"]["recall_20px_and_over"],
            "VOC: every face, no false face (LiteRT)": voc_all(tiled),
            "VOC: every face, no false face (in-graph)": voc_all(by_name["blazeface tiled (in-graph)"]),
            "no false face on face-free frames": tiled["false_faces_face_free"] == 0,
            "640x480 detection <= 2x the whole frame's": tiled["ms_640x480"] <= 2 * whole["ms_640x480"],
            "640x480 composites, mean detection <= 2x the whole frame's": tiled["ms_640x480_composites"]
            <= 2 * whole["ms_640x480_composites"],
        },
    }
    return report("small_faces", rows, extra)


MARKER = "SMALL_FACES"  # the block of docs/BENCHMARKS.md that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """Recall by face size and by share of the frame, from benchmarks/results/small_faces.json."""
    rows = result["rows"]
    intro = (
        f"`python -m benchmarks.small_faces`, {result['machine']}, {result['date']}: {result['composites']} composites "
        "of the packaged photos (each portrait and the group photo scaled to a given distance between the eyes of "
        "its largest face, pasted at a seeded random place of a face-free photo stretched to 640×480, 1280×960 and "
        "4000×3000; 12 face-free frames among them) and dlib's annotated PASCAL VOC photos "
        f"({result['voc_photos']} photos). Tiles at the default `--min-face` {result['default_min_face']:g}: "
        f"{result['tiles_640x480']} per 640×480 frame, {result['tiles_12mp']} per 12 MP photo."
    )
    eye_bins = list(rows[0]["by_inter_eye"])
    share_bins = list(rows[0]["by_share_of_height"])
    header = ["detector", "found, eyes ≥ 20 px", *(f"eyes {b}" for b in eye_bins)]
    header += ["false faces (composites / face-free)", "VOC found", "VOC false", "second looks / frame"]
    header += ["ms 640×480", "ms 12 MP"]
    table = [
        [
            r["what"],
            f"{r['found_20px_and_over']} ({100 * r['recall_20px_and_over']:.1f} %)",
            *(r["by_inter_eye"][b] for b in eye_bins),
            f"{r['false_faces_composites']} / {r['false_faces_face_free']}",
            r["voc_found"],
            r["voc_false_faces"],
            "" if r.get("second_looks_per_frame") is None else f"{r['second_looks_per_frame']:.2f}",
            f"{r['ms_640x480']:.1f}",
            f"{r['ms_12mp']:.0f}",
        ]
        for r in rows
    ]
    shares = [[r["what"], *(r["by_share_of_height"][b] for b in share_bins)] for r in rows]
    walking = [
        f"{r['what']}: frame {w['first_frame']} of {w['of_frames']} (face box {100 * w['face_share']:.0f} % of the "
        f"height, {w['eye_px']:.0f} px between the eyes)"
        if w.get("first_frame") is not None
        else f"{r['what']}: never"
        for r in rows
        for w in [r["walking_towards_the_camera"]]
    ]
    lines = [intro, "", *markdown_table(header, table), ""]
    lines += ["By the distance between the eyes as a share of the frame's height:", ""]
    lines += [*markdown_table(["detector", *share_bins], shares), ""]
    lines += [
        "A face walking towards a 640×480 camera (box from 8 % to 40 % of the height over 60 frames) is first found "
        "— and its best-shots track started — at " + "; ".join(walking) + ".",
        "",
        f"Time per 640×480 frame, tiled ÷ whole frame: {result['ratio_ms_640x480_tiled_vs_whole']:.2f}× (one face of "
        "40 px between the eyes), "
        f"{result.get('ratio_ms_640x480_composites_tiled_vs_whole', float('nan')):.2f}× (the mean over the 640×480 "
        f"composites); per 12 MP photo: {result['ratio_ms_12mp_tiled_vs_whole']:.2f}× (same process).",
        "",
        goals_line(result),
    ]
    return "\n".join(lines)


def table_row(row: dict) -> tuple[str, str, str]:
    note = (
        f"{row['ms_640x480']:.1f} ms per 640×480 frame, {row['ms_12mp']:.0f} ms per 12 MP photo; "
        f"{row['false_faces_face_free']} false faces on face-free frames; VOC {row['voc_found']}"
    )
    return row["what"], "", note


if __name__ == "__main__":
    main()
