"""Frames and clips for the best-shots tests, built from the packaged real photos: a face drifting with known blur,
two faces crossing paths, a person walking towards the camera, people appearing one after another."""

import numpy as np
from PIL import Image, ImageFilter

from crfiqa_tf.data.sample_photos import photo

WIDTH, HEIGHT, SIDE = 640, 480, 200


def sprite(name: str, box, side: int = SIDE) -> np.ndarray:
    return np.asarray(Image.fromarray(photo(name)).crop(box).resize((side, side), Image.BILINEAR))


GRACE = ("grace_hopper", (150, 40, 450, 340))


ASTRONAUT = ("astronaut", (120, 0, 340, 220))


def canvas() -> np.ndarray:
    return np.full((HEIGHT, WIDTH, 3), 90, np.uint8)


def drifting_frames(sigmas) -> list[np.ndarray]:
    """Grace Hopper's face drifting left to right, blurred by sigmas[i] in frame i."""
    face = Image.fromarray(sprite(*GRACE))
    frames = []
    for i, sigma in enumerate(sigmas):
        frame = canvas()
        x = 20 + i * (WIDTH - SIDE - 40) // max(len(sigmas) - 1, 1)
        frame[140 : 140 + SIDE, x : x + SIDE] = np.asarray(
            face.filter(ImageFilter.GaussianBlur(sigma)) if sigma else face
        )
        frames.append(frame)
    return frames


def crossing_frames(count: int = 20):
    """Two faces on one row moving in opposite directions: mid-way one passes in front of the other and hides it.
    The true centres per frame."""
    a, b = sprite(*GRACE), sprite(*ASTRONAUT)
    frames, truth = [], []
    for i in range(count):
        frame = canvas()
        xa = 20 + i * (WIDTH - SIDE - 40) // (count - 1)
        xb = WIDTH - SIDE - 20 - i * (WIDTH - SIDE - 40) // (count - 1)
        frame[140 : 140 + SIDE, xa : xa + SIDE] = a
        frame[140 : 140 + SIDE, xb : xb + SIDE] = b  # in front
        frames.append(frame)
        truth.append((np.array([xa + SIDE // 2, 240]), np.array([xb + SIDE // 2, 240])))
    return frames, truth


def write_folder(folder, frames) -> str:
    folder.mkdir()
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"frame_{i:04d}.png")
    return str(folder)


def write_video(path, frames, fps: float = 25.0) -> str:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (WIDTH, HEIGHT))
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[:, :, ::-1]))
    writer.release()
    return str(path)


def approaching_frames(count: int = 24) -> list[np.ndarray]:
    """A person walking towards a 640×480 camera: the astronaut's face box grows from 8 % to 40 % of the height."""
    from crfiqa_tf.data.composites import faces_in, paste

    eyes, box = faces_in("astronaut")[0]
    box_per_eye = (box[3] - box[1]) / float(np.linalg.norm(eyes[1] - eyes[0]))
    shares = np.linspace(0.08, 0.40, count)
    return [paste((WIDTH, HEIGHT), [("astronaut", s * HEIGHT / box_per_eye, (0.5, 0.45))]).image for s in shares]


def appearances_frames() -> list[np.ndarray]:
    """Three people one after another, each 12 frames on screen, with 30 empty frames (1.2 s) between them."""
    frames = []
    for name, box in (GRACE, ASTRONAUT, GRACE):
        face = sprite(name, box)
        for i in range(12):
            frame = canvas()
            x = 40 + 20 * i
            frame[140 : 140 + SIDE, x : x + SIDE] = face
            frames.append(frame)
        frames += [canvas() for _ in range(30)]
    return frames
