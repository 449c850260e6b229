"""`crfiqa-tf distill`: a small student (MobileFaceNet) trained to reproduce a CR-FIQA teacher on unlabeled aligned
faces — the teacher's embedding (cosine) and its raw quality (Smooth-L1 regression, the paper's CR scale) — so that
the official CR-FIQA(L) weights and a folder of face crops give a phone-sized quality model without identity labels.

The teacher is anything `crfiqa_tf.load_scorer` opens (SavedModel, ``.tflite``, ``.onnx``, ``.keras``, a training
run or a convert-torch folder) and runs on each batch as it comes, flipped with it. Images come from a folder (walked
for image files, local or remote) or TFRecord shards, in a seeded order that depends only on the step, so that a
resumed run (``resume=True``: latest checkpoint of model, optimizer and step) sees the batches an uninterrupted one
would. Unreadable images are skipped and counted in ``log.csv`` (per process), never fatal. Shards are held in
memory as encoded bytes (a folder only as its file list): use a folder for sets larger than memory.

The output folder is laid out like a training run: ``distill_config.json`` (the resolved settings), ``checkpoints/``,
``log.csv``, ``inference.keras`` (uint8 faces → embedding and quality, what ``export`` takes) and, written last,
``summary.json``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Iterator

import keras
import numpy as np
import tensorflow as tf
from tqdm import tqdm

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.image_io import ImageReadError, folder_files, read_image, skipped_entry
from crfiqa_tf.losses import smooth_l1
from crfiqa_tf.model_io import load_scorer, save_keras_model
from crfiqa_tf.models.inference_model import build_inference_model
from crfiqa_tf.models.mobilefacenet import VARIANTS, MobileFaceNet
from crfiqa_tf.models.quality_head import CRQualityHead
from crfiqa_tf.preprocess import preprocess_images_np

STUDENTS = tuple(VARIANTS)
FINISHED_FILE = "summary.json"
LOG_COLUMNS = ("step", "lr", "loss", "embedding_loss", "quality_loss", "skipped_images")


@dataclasses.dataclass(frozen=True)
class DistillSettings:
    teacher: str
    out: str
    steps: int
    images: str | None = None  # a folder of aligned faces
    tfrecords: str | None = None  # TFRecord shards: a data folder or a glob
    student: str = "mobilefacenet-edge"
    batch_size: int = 64
    lr: float = 5e-3  # Adam, cosine-decayed to 0 over `steps`
    quality_weight: float = 10.0  # the CR-FIQA loss's alpha on the quality regression
    checkpoint_every: int = 500
    log_every: int = 50
    seed: int = 0


class FaceStream:
    """Batches of aligned uint8 faces from a folder or shards, in an order fixed by (seed, step)."""

    def __init__(self, settings: DistillSettings, size: int):
        self.settings, self.size, self.skipped = settings, size, 0
        self.skipped_files: dict[str, dict] = {}  # each unreadable input once, however often it came round
        if settings.images:
            self.files = folder_files(settings.images) if paths.isdir(settings.images) else []
            if not self.files:
                raise ValueError(f"--images {settings.images}: no files in this folder (hidden files are not read)")
            self.source = settings.images
        else:
            from crfiqa_tf.data.samples import shard_records

            self.records = [data for _, data in shard_records(settings.tfrecords)]
            if not self.records:
                raise ValueError(f"--tfrecords {settings.tfrecords}: no records")
            self.source = settings.tfrecords
        self.first = self._first_readable()

    def __len__(self) -> int:
        return len(self.files) if self.settings.images else len(self.records)

    def _read(self, index: int) -> np.ndarray:
        item = self.files[index] if self.settings.images else self.records[index]
        name = item if self.settings.images else f"{self.source}[{index}]"
        try:
            return read_image(item, source=name, size=self.size)
        except ImageReadError as error:
            self.skipped_files.setdefault(name, skipped_entry(error))
            raise

    def _first_readable(self) -> np.ndarray:
        for index in range(len(self)):
            try:
                return self._read(index)
            except ImageReadError:
                continue
        raise ValueError(f"{self.source}: none of its {len(self)} images can be read")

    def batches(self, start_step: int) -> Iterator[np.ndarray]:
        """Batch `start_step`, `start_step + 1`, ...: position p of the stream is image order[p mod n] of epoch
        p // n, each epoch a fresh seeded permutation."""
        n, size = len(self), self.settings.batch_size
        position = start_step * size
        while True:
            faces = []
            while len(faces) < size:
                epoch, offset = divmod(position, n)
                order = np.random.default_rng([self.settings.seed, epoch]).permutation(n)
                position += 1
                try:
                    faces.append(self._read(int(order[offset])))
                except ImageReadError:
                    self.skipped += 1
            yield np.stack(faces)


def _check(settings: DistillSettings) -> None:
    if settings.student not in STUDENTS:
        raise ValueError(f"unknown student {settings.student!r}; choose from {', '.join(STUDENTS)}")
    if bool(settings.images) == bool(settings.tfrecords):
        raise ValueError("give exactly one of --images DIR or --tfrecords SHARDS")
    if settings.steps < 1 or settings.batch_size < 1:
        raise ValueError(f"steps and batch size must be positive, got {settings.steps} and {settings.batch_size}")


def distill(settings: DistillSettings, resume: bool = False, progress: bool = True) -> dict:
    """Trains the student; returns the summary. Bad teacher, images or student fail before any step."""
    _check(settings)
    try:
        teacher = load_scorer(settings.teacher)
    except (ValueError, OSError) as error:
        raise ValueError(f"--teacher {settings.teacher}: cannot be opened ({error})") from None
    size = teacher.image_size
    stream = FaceStream(settings, size)
    probe = teacher.predict(stream.first[None])
    dim = int(np.asarray(probe[sig.OUTPUT_EMBEDDING]).shape[-1])
    finished = paths.join(settings.out, FINISHED_FILE)
    checkpoints = paths.join(settings.out, "checkpoints")
    if paths.exists(checkpoints) and not resume:
        raise FileExistsError(f"{settings.out} already holds a distillation: pass --resume or choose another --out")
    paths.makedirs(settings.out)
    paths.write_text(
        paths.join(settings.out, "distill_config.json"),
        json.dumps({**dataclasses.asdict(settings), "image_size": size, "embedding_dim": dim}, indent=2),
    )

    keras.utils.set_random_seed(settings.seed)
    backbone = MobileFaceNet.variant(settings.student, dim, input_shape=(size, size, 3))
    head = CRQualityHead()
    head(backbone(np.zeros((1, size, size, 3), np.float32)))

    schedule = keras.optimizers.schedules.CosineDecay(settings.lr, settings.steps)
    optimizer = keras.optimizers.Adam(schedule)
    variables = backbone.trainable_variables + head.trainable_variables
    optimizer.build(variables)
    step = tf.Variable(0, dtype=tf.int64, name="step")
    checkpoint = tf.train.Checkpoint(backbone=backbone, head=head, optimizer=optimizer, step=step)
    manager = tf.train.CheckpointManager(checkpoint, checkpoints, max_to_keep=2)
    log_path = paths.join(settings.out, "log.csv")
    log_text = ",".join(LOG_COLUMNS) + "\n"
    if resume:
        if manager.latest_checkpoint is None:
            raise FileNotFoundError(f"--resume: no checkpoint in {checkpoints}")
        checkpoint.restore(manager.latest_checkpoint).expect_partial()
        if paths.exists(log_path):
            kept = [line for line in paths.read_text(log_path).splitlines()[1:] if int(line.split(",")[0]) <= int(step)]
            log_text += "".join(line + "\n" for line in kept)

    @tf.function(reduce_retracing=True)
    def train_step(images, teacher_embedding, teacher_quality):
        with tf.GradientTape() as tape:
            embedding = backbone(images, training=True)
            quality = head(embedding, training=True)
            cosine = tf.reduce_sum(tf.nn.l2_normalize(embedding, 1) * tf.nn.l2_normalize(teacher_embedding, 1), 1)
            embedding_loss = tf.reduce_mean(1.0 - cosine)
            quality_loss = tf.reduce_mean(smooth_l1(teacher_quality, tf.reshape(quality, [-1])))
            loss = embedding_loss + settings.quality_weight * quality_loss
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss, embedding_loss, quality_loss

    start = int(step.numpy())
    batches = stream.batches(start)
    if start == 0:
        # The regression starts at the teacher's mean quality on the first batch rather than at 0: the CR scale sits
        # far from 0 (the teacher's outputs are often 2-5), which a fresh head would spend steps reaching. That batch
        # is then the first training batch (read once, its unreadable images counted once).
        first = next(batches)
        head.dense.bias.assign([float(np.mean(np.asarray(teacher.predict(first)[sig.OUTPUT_QUALITY])))])
        batches = itertools.chain([first], batches)
    bar = tqdm(total=settings.steps, initial=start, desc="distilling", unit="step", disable=not progress)
    for current in range(start + 1, settings.steps + 1):
        faces = next(batches)
        flip = np.random.default_rng([settings.seed, 1, current]).random(len(faces)) < 0.5  # fixed by the step
        faces = np.where(flip[:, None, None, None], faces[:, :, ::-1], faces)
        target = teacher.predict(faces)
        loss, embedding_loss, quality_loss = train_step(
            preprocess_images_np(faces),
            np.asarray(target[sig.OUTPUT_EMBEDDING], np.float32),
            np.asarray(target[sig.OUTPUT_QUALITY], np.float32).reshape(-1),
        )
        step.assign(current)
        bar.update(1)
        if current % settings.log_every == 0 or current == settings.steps:
            lr = float(schedule(current - 1))
            values = (current, lr, float(loss), float(embedding_loss), float(quality_loss), stream.skipped)
            log_text += ",".join(str(v) if isinstance(v, int) else f"{v:.6g}" for v in values) + "\n"
            paths.write_text(log_path, log_text)  # the whole file: appending is not possible on every filesystem
            bar.set_postfix(loss=f"{float(loss):.4f}")
        if current % settings.checkpoint_every == 0 or current == settings.steps:
            manager.save(checkpoint_number=current)
    bar.close()
    inference = build_inference_model(backbone, head, "uint8", "RGB", name=f"{settings.student}_inference")
    save_keras_model(inference, paths.join(settings.out, "inference.keras"))
    summary = {
        "steps": int(step.numpy()),
        "teacher": settings.teacher,
        "student": settings.student,
        "parameters": int(backbone.count_params() + head.count_params()),
        "images": len(stream),
        "skipped_images": stream.skipped,
        "skipped_files": list(stream.skipped_files.values()),
        "inference_model": paths.join(settings.out, "inference.keras"),
    }
    paths.write_text(finished, json.dumps(summary, indent=2))
    return summary
