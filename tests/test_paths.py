"""crfiqa_tf.paths, the paths contract: every operation gives the same answer on a local folder and on TensorFlow's
``ram://`` filesystem (the offline stand-in for gs://), and a failure names the path whatever the filesystem."""

import itertools

import pytest

from crfiqa_tf import paths

_names = itertools.count()


@pytest.fixture(params=["local", "ram"])
def root(request, tmp_path):
    if request.param == "local":
        yield str(tmp_path / "root")
        return
    folder = f"ram://paths-test-{next(_names)}/root"
    yield folder
    paths.remove_tree(folder)


def test_names_of_local_and_remote_paths():
    assert paths.is_remote("gs://bucket/a") and paths.is_remote("ram://x") and not paths.is_remote("/data/a")
    assert paths.join("gs://bucket/runs", "a", "b.txt") == "gs://bucket/runs/a/b.txt"
    assert paths.dirname("gs://bucket/runs/a/") == "gs://bucket/runs"
    assert paths.basename("gs://bucket/runs/a/") == "a" and paths.basename("/data/runs/a/") == "a"


def test_write_read_replace_and_sizes(root):
    paths.makedirs(root)
    target = paths.join(root, "notes.txt")
    paths.write_text(target, "first, longer content")
    paths.write_text(target, "second")  # replaces: ram:// would append if the file were not removed first
    assert paths.read_text(target) == "second" and paths.size(target) == 6
    assert paths.isfile(target) and not paths.isdir(target) and paths.isdir(root)
    paths.write_text_atomically(target, "third")
    assert paths.read_bytes(target) == b"third"
    assert paths.listdir(root) == ["notes.txt"]  # no temporary file left beside it
    with paths.open_file(target, "rb") as handle:
        assert handle.read() == b"third"


def test_listdir_drops_the_trailing_slash_gcs_gives_folders(monkeypatch):
    """TensorFlow's GCS file system lists a folder as ``name/``; ram:// (the suite's stand-in) does not, so the GCS
    listing is played by a test double of `tf.io.gfile.listdir` here."""
    import tensorflow as tf

    monkeypatch.setattr(tf.io.gfile, "listdir", lambda path: ["sub/", "b.txt", "a.txt"])
    assert paths.listdir("gs://bucket/folder") == ["a.txt", "b.txt", "sub"]


def test_listing_walking_and_globbing_are_sorted(root):
    for name in ("b.txt", "a.txt", "sub/c.txt", "sub/deeper/d.bin"):
        paths.makedirs(paths.dirname(paths.join(root, name)))
        paths.write_bytes(paths.join(root, name), name.encode())
    assert paths.listdir(root) == ["a.txt", "b.txt", "sub"]
    expected = [paths.join(root, n) for n in ("a.txt", "b.txt", "sub/c.txt", "sub/deeper/d.bin")]
    assert paths.walk_files(root) == sorted(expected)
    assert paths.glob(paths.join(root, "*.txt")) == [paths.join(root, "a.txt"), paths.join(root, "b.txt")]


def test_remove_and_replace_tree(root):
    source, target = paths.join(root, "new"), paths.join(root, "old")
    for folder, names in ((source, ("x.txt", "inner/y.txt")), (target, ("stale.txt",))):
        for name in names:
            paths.makedirs(paths.dirname(paths.join(folder, name)))
            paths.write_text(paths.join(folder, name), name)
    paths.replace_tree(source, target)
    assert not paths.exists(source)
    assert paths.walk_files(target) == [paths.join(target, "inner/y.txt"), paths.join(target, "x.txt")]
    assert paths.read_text(paths.join(target, "inner/y.txt")) == "inner/y.txt"
    paths.remove(paths.join(target, "x.txt"))
    paths.remove(paths.join(target, "x.txt"))  # already gone: nothing
    paths.remove_tree(target)
    paths.remove_tree(target)
    assert not paths.exists(target)


def test_copy_between_a_local_and_a_remote_file(tmp_path):
    local, remote = str(tmp_path / "a.bin"), f"ram://paths-test-{next(_names)}/a.bin"
    paths.write_bytes(local, b"\x00\x01payload")
    paths.makedirs(paths.dirname(remote))
    paths.copy(local, remote)
    back = str(tmp_path / "b.bin")
    paths.copy(remote, back)
    assert paths.read_bytes(back) == b"\x00\x01payload"
    paths.remove_tree(paths.dirname(remote))


def test_a_missing_file_and_an_unknown_filesystem_are_named(root):
    missing = paths.join(root, "missing.txt")
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        paths.read_bytes(missing)
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        paths.open_file(missing, "rb").read()
    with pytest.raises(OSError, match="nosuchfs://bucket/a.txt"):
        paths.read_bytes("nosuchfs://bucket/a.txt")
