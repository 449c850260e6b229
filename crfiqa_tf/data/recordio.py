"""insightface / MXNet RecordIO (``.rec`` + ``.idx``) reader in pure Python — no MXNet needed.

Format facts: each ``.idx`` line is ``key<TAB>offset``. At an offset, a record is a little-endian uint32 magic
``0xced7230a`` and a uint32 ``lrec`` (``cflag = lrec >> 29``, ``length = lrec & (2**29 - 1)``), then the payload
padded to 4 bytes. ``cflag`` 0 is a whole record; 1/2/3 are the start/middle/end of a record that the writer split
where the magic number occurred inside the payload, so the parts are rejoined with the magic bytes between them.
The payload starts with an IRHeader ``<IfQQ`` (flag, label, id, id2); when ``flag > 0``, ``flag`` float32 labels
follow and the first one is the class. In insightface releases key 0 is a header record with ``flag == 2`` whose
labels ``(a, b)`` say that images are keys ``1..a-1`` and keys ``a..b-1`` describe identities; files written by
im2rec or shuffled have no such header, and then every key of the index is an image.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import NamedTuple

from crfiqa_tf import paths

MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", MAGIC)
_HEADER = struct.Struct("<IfQQ")
_LENGTH_MASK = (1 << 29) - 1


class RecordIOError(ValueError):
    """A malformed .rec/.idx file; the message names the file, the key and the cause."""


class IRHeader(NamedTuple):
    flag: int
    label: tuple[float, ...]
    id: int
    id2: int


class RecordIOReader:
    """Random access to the records of an indexed RecordIO file.

    Examples:
    >>> reader = RecordIOReader("train.idx", "train.rec")
    >>> for key, label, image_bytes in reader.iter_images(): ...
    """

    def __init__(self, idx_path: str, rec_path: str):
        self.idx_path, self.rec_path = idx_path, rec_path
        for path in (idx_path, rec_path):
            if not paths.exists(path):
                raise FileNotFoundError(f"RecordIO file not found: {path}")
        self.index: dict[int, int] = {}
        for number, line in enumerate(paths.read_text(idx_path).splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 2:
                raise RecordIOError(f"{idx_path}:{number}: expected 'key<TAB>offset', got {line.strip()!r}")
            self.index[int(parts[0])] = int(parts[1])
        self._file = paths.open_file(rec_path, "rb")
        self._size = paths.size(rec_path)

    def close(self) -> None:
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def read_raw(self, key: int) -> bytes:
        """The payload of record `key` (parts of a split record rejoined)."""
        if key not in self.index:
            raise RecordIOError(f"{self.rec_path}: key {key} is not in {self.idx_path}")
        self._file.seek(self.index[key])
        parts = []
        while True:
            head = self._file.read(8)
            if len(head) < 8:
                raise RecordIOError(f"{self.rec_path}: key {key}: truncated record header")
            magic, lrec = struct.unpack("<II", head)
            if magic != MAGIC:
                raise RecordIOError(f"{self.rec_path}: key {key}: bad magic 0x{magic:08x}")
            cflag, length = lrec >> 29, lrec & _LENGTH_MASK
            data = self._file.read(length)
            if len(data) < length:
                raise RecordIOError(f"{self.rec_path}: key {key}: truncated payload")
            self._file.read((4 - length % 4) % 4)
            parts.append(data)
            if cflag == 0 and len(parts) == 1:
                return data
            if cflag == 3:
                return _MAGIC_BYTES.join(parts)
            if (cflag == 1) != (len(parts) == 1) or cflag == 0:
                raise RecordIOError(f"{self.rec_path}: key {key}: bad continuation flag {cflag}")

    def read(self, key: int) -> tuple[IRHeader, bytes]:
        """IRHeader and the remaining payload (the image bytes for an image record)."""
        payload = self.read_raw(key)
        if len(payload) < _HEADER.size:
            raise RecordIOError(f"{self.rec_path}: key {key}: payload shorter than its IRHeader")
        flag, label, id_, id2 = _HEADER.unpack_from(payload)
        offset = _HEADER.size
        labels: tuple[float, ...] = (label,)
        if flag > 0:
            end = offset + 4 * flag
            if len(payload) < end:
                raise RecordIOError(f"{self.rec_path}: key {key}: {flag} labels announced, payload too short")
            labels = struct.unpack_from(f"<{flag}f", payload, offset)
            offset = end
        return IRHeader(flag, labels, id_, id2), payload[offset:]

    def image_keys(self) -> list[int]:
        """Keys of image records: ``1..a-1`` when key 0 is an insightface header record, else every key."""
        if 0 in self.index:
            header, _ = self.read(0)
            if header.flag == 2 and header.label[0] >= 1:
                return [k for k in range(1, int(header.label[0])) if k in self.index]
        return sorted(self.index)

    def iter_images(self) -> Iterator[tuple[int, int, bytes]]:
        """``(key, class label, image bytes)`` for every image record."""
        for key in self.image_keys():
            header, image = self.read(key)
            yield key, int(header.label[0]), image


def read_property(path: str) -> tuple[int, int, int]:
    """``num_classes, height, width`` from an insightface ``property`` file."""
    fields = paths.read_text(path).strip().split(",")
    if len(fields) != 3:
        raise RecordIOError(f"{path}: expected 'num_classes,h,w', got {','.join(fields)!r}")
    return int(fields[0]), int(fields[1]), int(fields[2])


def write_record(handle, payload: bytes) -> None:
    """Appends one RecordIO record, splitting it where the magic occurs in `payload` as MXNet's writer does."""
    pieces = payload.split(_MAGIC_BYTES)
    for i, piece in enumerate(pieces):
        if len(pieces) == 1:
            cflag = 0
        else:
            cflag = 1 if i == 0 else (3 if i == len(pieces) - 1 else 2)
        handle.write(struct.pack("<II", MAGIC, (cflag << 29) | len(piece)))
        handle.write(piece + b"\x00" * ((4 - len(piece) % 4) % 4))


def pack_header(label, id_: int = 0, id2: int = 0) -> bytes:
    """An IRHeader; a sequence `label` is written as ``flag = len(label)`` float32 labels after it."""
    if isinstance(label, (list, tuple)):
        return _HEADER.pack(len(label), 0.0, id_, id2) + struct.pack(f"<{len(label)}f", *label)
    return _HEADER.pack(0, float(label), id_, id2)
