"""`crfiqa-tf score --align --draw DIR`: each scored photo saved to DIR as a JPEG with its faces' boxes, five points
and scores drawn, for a quick look at a small batch (the review report, `crfiqa-tf report`, is the look at a large
one). The Beam job has no such option: drawing millions of photos on workers is a cost no gallery run wants, and the
report cuts the thumbnails it shows from the sources."""

from __future__ import annotations

import posixpath

from crfiqa_tf import paths
from crfiqa_tf.image_io import ImageReadError, read_image
from crfiqa_tf.report.drawing import draw_faces, jpeg_bytes
from crfiqa_tf.report.results import row_from_dict

LONGEST_PX = 1600


class PhotoDrawer:
    """Draws the rows of `crfiqa-tf score` (every row of a photo in one batch) into `out_dir`, local or remote; a
    photo's file is named after it (``_2``, ``_3``, ... when two inputs share a name)."""

    def __init__(self, out_dir: str):
        self.out_dir = out_dir
        self.used: set[str] = set()
        self.written = 0
        paths.makedirs(out_dir)

    def _name(self, source: str) -> str:
        stem = posixpath.splitext(posixpath.basename(source.replace("\\", "/")))[0] or "photo"
        name, number = f"{stem}.jpg", 1
        while name in self.used:
            number += 1
            name = f"{stem}_{number}.jpg"
        self.used.add(name)
        return name

    def add(self, rows: list[dict]) -> None:
        photos: dict[str, list] = {}
        for values in rows:
            row = row_from_dict(values)
            if row.box is not None and not row.error:
                photos.setdefault(row.path, []).append(row)
        for source, faces in photos.items():
            try:
                image = read_image(source)
            except ImageReadError:  # scored a moment ago; gone since: its row already says what was scored
                continue
            labelled = [
                {
                    "box": face.box,
                    "landmarks": face.landmarks,
                    "label": f"{face.face_index or 0}: "
                    + (f"{face.quality_score:.0f}" if face.quality_score is not None else f"{face.quality:.3f}"),
                }
                for face in faces
            ]
            picture = draw_faces(image, labelled)
            paths.write_bytes(paths.join(self.out_dir, self._name(source)), jpeg_bytes(picture, LONGEST_PX, 90))
            self.written += 1
