"""A synthetic identity set with known degradation severity, for the demo, the tests and the method check.

Each identity is a procedurally drawn face-like image with its own geometry (face shape, eye spacing and size,
brows, nose, mouth), colours (skin, hair, eyes, lips) and a fixed skin texture with marks. Skin tones are drawn
from a narrow range and every sample gets a random colour cast, so that, as with real faces, identity lies mostly
in shape and fine detail rather than in a colour that survives any degradation. Each sample of an identity adds
nuisance — background, shift, scale, rotation, illumination, colour cast — and one degradation of known severity
``s`` in [0, 1]: blur, noise, down-scaling, occlusion, low contrast or JPEG artefacts. ``s`` is stored in
``image/degradation``; a good quality estimator ranks samples by it without ever seeing it.

Severity scales (112 px canvas): Gaussian blur of radius 12·s; Gaussian noise of σ = 240·s; down-scaling to
112·(3/112)^s pixels and back; an occluding rectangle covering 0.6·s^1.5 of the image; contrast × 0.02^s; JPEG
quality 95·(1/95)^s. The geometric scales make equal steps of ``s`` cost roughly equal identity information
across kinds: with the earlier linear scales, JPEG and low contrast did nothing until s ≈ 0.8 while an occluder
removed a third of the face at s = 0.3, so severity was not comparable across kinds. The check used to set them
(a linear discriminant trained on the training distribution, its certainty ratio per kind and severity) is
`tests/data/test_synthetic.py::test_each_degradation_lowers_identity_certainty`.

Held-out identities (never in the training shards) form a verification pair set in the insightface ``.bin``
layout, with a JSON sidecar giving each image's identity and degradation.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from crfiqa_tf import paths
from crfiqa_tf.data.writer import Sample, write_shards

SIZE = 112
_SUPER = 2  # drawn at 2× then downsampled, for anti-aliased edges
DEGRADATIONS = ("blur", "noise", "downscale", "occlusion", "low_contrast", "jpeg")


def identity_params(rng: np.random.Generator) -> dict:
    """Random geometry, colours and texture of one identity."""
    skin = rng.uniform([150, 100, 80], [220, 170, 140])
    return {
        "skin": skin,
        "hair": rng.uniform(0, 160, 3),
        "iris": rng.uniform(0, 200, 3),
        "lips": np.clip(skin * rng.uniform(0.5, 0.9) + rng.uniform(0, 40, 3), 0, 255),
        "face_rx": rng.uniform(30, 40),
        "face_ry": rng.uniform(38, 48),
        "eye_y": rng.uniform(44, 54),
        "eye_dx": rng.uniform(12, 20),
        "eye_rx": rng.uniform(4, 8),
        "eye_ry": rng.uniform(2, 5),
        "brow_dy": rng.uniform(6, 11),
        "brow_tilt": rng.uniform(-4, 4),
        "brow_width": rng.uniform(1.5, 4),
        "nose_len": rng.uniform(8, 16),
        "nose_w": rng.uniform(3, 9),
        "mouth_y": rng.uniform(74, 86),
        "mouth_w": rng.uniform(10, 22),
        "mouth_curve": rng.uniform(-6, 6),
        "hair_h": rng.uniform(6, 24),
        "marks": rng.uniform([30, 30, 1], [82, 95, 3], size=(int(rng.integers(0, 4)), 3)),
        "texture": rng.normal(0, 1, (10, 10, 3)),
        "texture_amp": rng.uniform(15, 30),
    }


def render_identity(p: dict) -> Image.Image:
    """The clean, frontal 112×112 face of an identity, on a transparent background (RGBA)."""
    k = _SUPER
    canvas = Image.new("RGBA", (SIZE * k, SIZE * k), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    cx, cy = 56 * k, 60 * k

    def colour(c):
        return tuple(int(v) for v in c)

    def ellipse(x, y, rx, ry, fill):
        draw.ellipse([(x - rx) * k, (y - ry) * k, (x + rx) * k, (y + ry) * k], fill=colour(fill))

    ellipse(56, 60 - p["face_ry"] * 0.45, p["face_rx"] * 1.05, p["hair_h"] + p["face_ry"] * 0.5, p["hair"])
    ellipse(56, 60, p["face_rx"], p["face_ry"], p["skin"])
    texture = Image.fromarray(np.uint8(np.clip(128 + p["texture"] * p["texture_amp"], 0, 255))).resize(
        (SIZE * k, SIZE * k), Image.BICUBIC
    )
    mask = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(mask).ellipse(
        [cx - p["face_rx"] * k, cy - p["face_ry"] * k, cx + p["face_rx"] * k, cy + p["face_ry"] * k], fill=255
    )
    shaded = np.asarray(canvas, np.float32).copy()
    shaded[..., :3] += np.asarray(texture, np.float32) - 128
    canvas.paste(Image.fromarray(np.uint8(np.clip(shaded, 0, 255)), "RGBA"), (0, 0), mask)
    draw = ImageDraw.Draw(canvas)
    for side in (-1, 1):
        ex = 56 + side * p["eye_dx"]
        ellipse(ex, p["eye_y"], p["eye_rx"], p["eye_ry"], (245, 245, 245))
        ellipse(ex, p["eye_y"], p["eye_ry"] * 0.9, p["eye_ry"] * 0.9, p["iris"])
        by = p["eye_y"] - p["brow_dy"]
        draw.line(
            [
                ((ex - p["eye_rx"]) * k, (by + side * p["brow_tilt"] * 0.5) * k),
                ((ex + p["eye_rx"]) * k, (by - side * p["brow_tilt"] * 0.5) * k),
            ],
            fill=colour(p["hair"]),
            width=int(p["brow_width"] * k),
        )
    nose_top, nose_bottom = p["eye_y"] + 4, p["eye_y"] + 4 + p["nose_len"]
    draw.polygon(
        [(56 * k, nose_top * k), ((56 - p["nose_w"]) * k, nose_bottom * k), ((56 + p["nose_w"]) * k, nose_bottom * k)],
        fill=colour(p["skin"] * 0.8),
    )
    half, curve, my = p["mouth_w"] / 2, p["mouth_curve"], p["mouth_y"]
    draw.line(
        [((56 - half) * k, my * k), (56 * k, (my + curve) * k), ((56 + half) * k, my * k)],
        fill=colour(p["lips"]),
        width=3 * k,
        joint="curve",
    )
    for mx, my_, r in p["marks"]:
        ellipse(mx, my_, r, r, p["skin"] * 0.45)
    return canvas.resize((SIZE, SIZE), Image.LANCZOS)


def apply_nuisance(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Background, pose and illumination changes that do not reduce the face's usefulness much."""
    angle = rng.uniform(-8, 8)
    scale = rng.uniform(0.92, 1.08)
    tx, ty = rng.uniform(-4, 4, 2)
    cos, sin = math.cos(math.radians(angle)) / scale, math.sin(math.radians(angle)) / scale
    c = SIZE / 2
    # Inverse affine map output → input about the image centre.
    coeffs = (cos, sin, c - cos * (c + tx) - sin * (c + ty), -sin, cos, c + sin * (c + tx) - cos * (c + ty))
    image = image.transform((SIZE, SIZE), Image.AFFINE, coeffs, resample=Image.BILINEAR, fillcolor=(0, 0, 0, 0))
    background = Image.new("RGBA", image.size, tuple(int(v) for v in rng.uniform(0, 255, 3)) + (255,))
    image = Image.alpha_composite(background, image).convert("RGB")
    array = np.asarray(image, np.float32) * rng.uniform(0.8, 1.2) * rng.uniform(0.85, 1.15, 3)
    ramp = np.linspace(-1, 1, SIZE, dtype=np.float32)
    direction = rng.uniform(-1, 1, 2)
    array += (direction[0] * ramp[None, :, None] + direction[1] * ramp[:, None, None]) * rng.uniform(0, 25)
    return Image.fromarray(np.uint8(np.clip(array, 0, 255)))


def apply_degradation(
    image: Image.Image, kind: str, severity: float, rng: np.random.Generator
) -> tuple[Image.Image, int]:
    """Degrades `image` (any size: the synthetic faces, or real photos for a cross-quality copy,
    `crfiqa_tf.data.cross_quality`); returns it and the JPEG quality to encode it with. Sizes scale with the image:
    on a synthetic face (SIZE × SIZE) they are the set's own."""
    s = float(severity)
    quality = 95
    width, height = image.size
    side = min(width, height)
    if kind == "blur":
        image = image.filter(ImageFilter.GaussianBlur(radius=12.0 * s * side / SIZE))
    elif kind == "noise":
        array = np.asarray(image, np.float32) + rng.normal(0, 240 * s, (height, width, 3))
        image = Image.fromarray(np.uint8(np.clip(array, 0, 255)))
    elif kind == "downscale":
        factor = (3 / SIZE) ** s  # a synthetic face goes down to 3 px at severity 1
        small = (max(3, int(round(width * factor))), max(3, int(round(height * factor))))
        image = image.resize(small, Image.BILINEAR).resize((width, height), Image.BILINEAR)
    elif kind == "occlusion":
        area = 0.6 * s**1.5 * width * height
        w = int(np.clip(math.sqrt(area) * rng.uniform(0.6, 1.6), 1, width))
        h = int(np.clip(area / max(w, 1), 1, height))
        x0, y0 = rng.integers(0, width - w + 1), rng.integers(0, height - h + 1)
        image = image.copy()
        ImageDraw.Draw(image).rectangle([x0, y0, x0 + w, y0 + h], fill=tuple(int(v) for v in rng.uniform(0, 255, 3)))
    elif kind == "low_contrast":
        image = ImageEnhance.Contrast(image).enhance(0.02**s)
    elif kind == "jpeg":
        quality = max(1, int(round(95 * (1 / 95) ** s)))
    else:
        raise ValueError(f"unknown degradation {kind!r}; known: {DEGRADATIONS}")
    return image, quality


def encode_jpeg(image: Image.Image, quality: int = 95) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def make_sample(face: Image.Image, rng: np.random.Generator, severity: float | None = None) -> tuple[bytes, float, str]:
    """One degraded sample of an identity's face: ``(jpeg bytes, severity, degradation kind)``."""
    severity = float(rng.uniform(0, 1)) if severity is None else float(severity)
    kind = DEGRADATIONS[int(rng.integers(len(DEGRADATIONS)))]
    image, quality = apply_degradation(apply_nuisance(face, rng), kind, severity, rng)
    return encode_jpeg(image, quality), severity, kind


def identity_faces(count: int, seed: int, offset: int = 0) -> list[Image.Image]:
    """The clean faces of identities ``offset .. offset+count-1`` of the set drawn with `seed`."""
    return [render_identity(identity_params(np.random.default_rng([seed, offset + i]))) for i in range(count)]


def iter_synthetic_samples(identities: int, per_identity: int, seed: int) -> Iterator[Sample]:
    faces = identity_faces(identities, seed)
    for label, face in enumerate(faces):
        rng = np.random.default_rng([seed, 1_000_003, label])
        for index in range(per_identity):
            data, severity, kind = make_sample(face, rng)
            yield Sample(data, label, f"id{label:05d}/{index:04d}_{kind}", severity)


def make_verification_pairs(identities: int, pairs: int, seed: int, first_identity: int):
    """``(bins, issame, meta)``: `pairs` image pairs, alternately mated and non-mated, from fresh identities."""
    if identities < 2:
        raise ValueError(f"a verification set needs at least 2 identities, got {identities}")
    faces = identity_faces(identities, seed, offset=first_identity)
    rng = np.random.default_rng([seed, 2_000_003])
    bins, issame, meta = [], [], []
    for index in range(pairs):
        mated = index % 2 == 0
        a = int(rng.integers(identities))
        b = a if mated else int((a + rng.integers(1, identities)) % identities)
        for identity in (a, b):
            data, severity, kind = make_sample(faces[identity], rng)
            bins.append(data)
            meta.append({"identity": first_identity + identity, "degradation": severity, "kind": kind})
        issame.append(mated)
    return bins, issame, meta


def make_synthetic_dataset(
    out_dir: str,
    identities: int,
    per_identity: int,
    seed: int = 0,
    shards: int = 4,
    val_identities: int | None = None,
    val_pairs: int = 400,
) -> dict:
    """Writes training shards for `identities` identities and ``verification.bin`` from held-out ones."""
    from crfiqa_tf.data.bin_sets import write_bin

    if identities < 2 or per_identity < 1:
        raise ValueError(f"need identities >= 2 and per_identity >= 1, got {identities} and {per_identity}")
    val_identities = max(4, identities // 4) if val_identities is None else val_identities
    info = {
        "num_classes": identities,
        "image_size": [SIZE, SIZE],
        "source": f"synthetic(identities={identities}, per_identity={per_identity}, seed={seed})",
        "label_map": {f"id{i:05d}": i for i in range(identities)},
        "skipped": [],
        "degradations": list(DEGRADATIONS),
        "synthetic": {"seed": seed, "identities": identities, "per_identity": per_identity},
    }
    info = write_shards(
        iter_synthetic_samples(identities, per_identity, seed),
        out_dir,
        shards,
        info,
        total=identities * per_identity,
        description="synthesising",
    )
    bins, issame, meta = make_verification_pairs(val_identities, val_pairs, seed, first_identity=identities)
    write_bin(paths.join(out_dir, "verification.bin"), bins, issame)
    meta = {"held_out_identities": val_identities, "images": meta}
    paths.write_text(paths.join(out_dir, "verification_meta.json"), json.dumps(meta))
    return info
