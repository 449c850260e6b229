"""crfiqa_tf.evaluation.protocols: LFW-style pairs files and all-vs-all comparisons, against a brute-force count."""

import itertools

import numpy as np
import pytest

from crfiqa_tf.evaluation.protocols import LFWPair, all_vs_all, read_lfw_pairs


def test_lfw_pairs_read_mated_and_nonmated_lines(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("2\nAbel_Pacheco\t1\t4\nAbdel_Madi_Shabneh\t1\tDean_Barker\t1\n\n")
    assert read_lfw_pairs(str(path)) == [
        LFWPair("Abel_Pacheco/Abel_Pacheco_0001.jpg", "Abel_Pacheco/Abel_Pacheco_0004.jpg", True),
        LFWPair("Abdel_Madi_Shabneh/Abdel_Madi_Shabneh_0001.jpg", "Dean_Barker/Dean_Barker_0001.jpg", False),
    ]
    path.write_text("10 300\nA 1 2\n")  # View 2's header: folds and pairs per fold
    assert read_lfw_pairs(str(path), extension="png") == [LFWPair("A/A_0001.png", "A/A_0002.png", True)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("1\nA 1\n", r"pairs.txt:2: expected 'name n1 n2' or 'name1 n1 name2 n2', got 'A 1'"),
        ("1\nA one 2\n", r"pairs.txt:2: image number must be an integer, got 'one'"),
        ("pairs\nA 1 2\n", r"pairs.txt:1: expected a header of pair counts"),
        ("3\n", r"pairs.txt: no pairs"),
    ],
)
def test_a_malformed_pairs_file_is_refused_naming_the_line(tmp_path, text, message):
    path = tmp_path / "pairs.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_lfw_pairs(str(path))


def brute_force(embeddings, labels):
    mated, nonmated = [], []
    for i, j in itertools.combinations(range(len(labels)), 2):
        (mated if labels[i] == labels[j] else nonmated).append((i, j, float(embeddings[i] @ embeddings[j])))
    return mated, nonmated


@pytest.mark.parametrize("block", [1, 3, 64])
def test_all_vs_all_gives_every_pair_once_whatever_the_block(block):
    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(11, 4)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    labels = np.array(["a", "b", "a", "c", "b", "a", "d", "c", "a", "e", "b"])
    mated, nonmated = brute_force(embeddings, labels)
    found = all_vs_all(embeddings, labels, block=block)
    got = sorted(zip(found.mated_first.tolist(), found.mated_second.tolist(), found.mated_scores.tolist()))
    assert [(i, j) for i, j, _ in got] == [(i, j) for i, j, _ in mated]
    np.testing.assert_allclose([s for *_, s in got], [s for *_, s in mated], atol=1e-6)
    np.testing.assert_allclose(np.sort(found.nonmated_scores), np.sort([s for *_, s in nonmated]), atol=1e-6)
    assert found.nonmated_total == len(nonmated) == 55 - len(mated)


def test_a_nonmated_sample_is_seeded_and_drawn_from_the_nonmated_scores():
    rng = np.random.default_rng(1)
    embeddings = rng.normal(size=(30, 8)).astype(np.float32)
    labels = np.repeat(np.arange(10), 3)
    full = all_vs_all(embeddings, labels)
    sample = all_vs_all(embeddings, labels, nonmated=50, seed=3)
    assert sample.nonmated_scores.size == 50 and sample.nonmated_total == full.nonmated_total == 405
    assert np.isin(sample.nonmated_scores, full.nonmated_scores).all()
    np.testing.assert_array_equal(
        sample.nonmated_scores, all_vs_all(embeddings, labels, nonmated=50, seed=3).nonmated_scores
    )
    assert not np.array_equal(
        sample.nonmated_scores, all_vs_all(embeddings, labels, nonmated=50, seed=4).nonmated_scores
    )
    assert all_vs_all(embeddings, labels, nonmated=10_000).nonmated_scores.size == 405  # more than there are: all


def test_embeddings_and_labels_must_match():
    with pytest.raises(ValueError, match=r"embeddings \[N, D\] and labels \[N\] must match"):
        all_vs_all(np.zeros((3, 2)), np.zeros(4))


def test_a_cap_keeps_at_most_that_many_photos_of_each_person_seeded():
    from crfiqa_tf.evaluation.protocols import cap_per_identity

    labels = np.array(["bush"] * 9 + ["ann"] * 2 + ["cy"])
    kept = cap_per_identity(labels, 3, seed=1)
    assert sorted(labels[kept].tolist()) == ["ann", "ann", "bush", "bush", "bush", "cy"]
    assert np.all(np.diff(kept) > 0)  # in their original order
    np.testing.assert_array_equal(kept, cap_per_identity(labels, 3, seed=1))
    assert any(not np.array_equal(kept, cap_per_identity(labels, 3, seed=s)) for s in range(2, 6))
    assert cap_per_identity(labels, 20).tolist() == list(range(12))
    with pytest.raises(ValueError, match="at most 1 photos per identity leaves no mated pair"):
        cap_per_identity(labels, 1)


def test_every_photo_number_of_a_line_is_checked_and_blank_lines_are_skipped(tmp_path):
    path = tmp_path / "pairs.txt"
    for line in ("A 1 x", "A 1 B x", "A x B 1"):
        path.write_text(f"2\nA 1 2\n{line}\n")
        with pytest.raises(ValueError, match=r"pairs.txt:3: image number must be an integer, got 'x'"):
            read_lfw_pairs(str(path))
    path.write_text("2\nA 1 2\n\nB 3 C 4\n")
    assert read_lfw_pairs(str(path))[1] == LFWPair("B/B_0003.jpg", "C/C_0004.jpg", False)
    path.write_text("")
    with pytest.raises(ValueError, match=r"pairs.txt:1: expected a header of pair counts .*got \[\]$"):
        read_lfw_pairs(str(path))


def test_all_vs_all_of_nothing_or_one_sample_has_no_pairs():
    for count in (0, 1):
        found = all_vs_all(np.ones((count, 4)), np.zeros(count))
        assert found.mated_first.dtype == np.int64 and found.mated_first.size == 0 and found.mated_second.size == 0
        assert found.mated_scores.size == 0 and found.nonmated_scores.size == 0 and found.nonmated_total == 0


def test_scores_are_float32_and_a_sample_as_large_as_the_set_keeps_its_order():
    rng = np.random.default_rng(4)
    embeddings = rng.normal(size=(12, 3))  # float64 in
    labels = np.repeat(np.arange(4), 3)
    full = all_vs_all(embeddings, labels)
    assert full.mated_scores.dtype == np.float32 and full.nonmated_scores.dtype == np.float32
    same = all_vs_all(embeddings, labels, nonmated=full.nonmated_total, seed=9)
    np.testing.assert_array_equal(same.nonmated_scores, full.nonmated_scores)
    drawn = all_vs_all(embeddings, labels, nonmated=full.nonmated_total - 1, seed=9).nonmated_scores
    assert len(np.unique(drawn)) == full.nonmated_total - 1  # without replacement


def test_a_cap_of_two_is_allowed_and_no_labels_give_no_indices():
    from crfiqa_tf.evaluation.protocols import cap_per_identity

    assert len(cap_per_identity(np.array([1, 1, 1, 2]), 2)) == 3
    empty = cap_per_identity(np.array([], np.int64), 5)
    assert empty.dtype == np.int64 and empty.size == 0
