"""The held-out certainty ratio behind the method check's diagnosis (leave-one-out identity centres)."""

import numpy as np
import pytest

from crfiqa_tf.evaluation.method_check import held_out_certainty_ratio


def test_held_out_cr_by_hand():
    # Identity a: two samples on e0 and one halfway to e1; identity b: two samples on e1.
    e0, e1 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    mid = (e0 + e1) / np.sqrt(2)
    embeddings = np.stack([e0, 3 * e0, mid, e1, e1])  # scale must not matter
    cr = held_out_certainty_ratio(embeddings, np.array(["a", "a", "a", "b", "b"]))
    # Sample 0: own centre = normalise(e0 + mid), negatives: centre of b = e1.
    own = (e0 + mid) / np.linalg.norm(e0 + mid)
    assert cr[0] == pytest.approx(float(own @ e0) / (0.0 + 1.0))
    # The sample halfway to b: own centre e0 (cos 0.707), nearest negative e1 (cos 0.707).
    assert cr[2] == pytest.approx(np.sqrt(0.5) / (np.sqrt(0.5) + 1.0))
    assert cr[2] < cr[0] and cr[2] < cr[1]
    # b's samples sit on their (leave-one-out) centre; a's full centre is normalise(2·e0 + mid).
    a_centre = (2 * e0 + mid) / np.linalg.norm(2 * e0 + mid)
    assert cr[3] == pytest.approx(1.0 / (float(a_centre @ e1) + 1.0))


def test_held_out_cr_singleton_is_nan_and_one_identity_is_refused():
    cr = held_out_certainty_ratio(np.eye(3), np.array([0, 0, 1]))
    assert np.isnan(cr[2]) and not np.isnan(cr[:2]).any()
    with pytest.raises(ValueError, match="at least 2 identities"):
        held_out_certainty_ratio(np.eye(2), np.array([5, 5]))
