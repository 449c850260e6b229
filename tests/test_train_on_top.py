"""crfiqa_tf.on_top: the CR loss on a frozen matcher's embeddings learns which samples sit far from their class
centre (synthetic embeddings whose per-sample noise is known), saves and reloads, and refuses what it cannot learn."""

import keras
import numpy as np
import pytest
from scipy.stats import spearmanr

from crfiqa_tf.on_top.on_top_model import OnTopQuality
from crfiqa_tf.on_top.train_on_top import OnTopSettings, train_on_top


def embeddings_with_known_noise(people=120, per_person=4, dim=32, seed=0):
    """Embeddings that lose identity as low-quality faces do: each sample moves from its class centre towards one
    direction shared by all (the "average face") by a known share `t`, plus a little noise."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(people, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    common = rng.normal(size=dim)
    common /= np.linalg.norm(common)
    labels = np.repeat(np.arange(people), per_person)
    t = rng.uniform(0.0, 0.9, len(labels))
    embeddings = centres[labels] * (1 - t[:, None]) + common * t[:, None] + rng.normal(size=(len(labels), dim)) * 0.15
    return (10 * embeddings).astype(np.float32), labels, t


@pytest.fixture(scope="module")
def trained():
    embeddings, labels, noise = embeddings_with_known_noise()
    model, history = train_on_top(embeddings, labels, OnTopSettings(hidden=64, epochs=25, batch_size=32, seed=0))
    return model, history, embeddings, labels, noise


def test_the_quality_ranks_samples_by_how_far_they_sit_from_their_class(trained):
    model, history, embeddings, _, noise = trained
    quality = model.predict(embeddings, verbose=0)
    assert quality.shape == (len(embeddings),)
    assert spearmanr(quality, -noise).statistic > 0.6  # 0.75 measured
    assert history["cr_loss"][-1] < history["cr_loss"][0] and history["ce"][-1] < history["ce"][0]


def test_the_model_saves_and_reloads_with_its_class_centres(trained, tmp_path):
    model, _, embeddings, _, _ = trained
    model.save(tmp_path / "on_top.keras")
    loaded = keras.saving.load_model(tmp_path / "on_top.keras")
    assert isinstance(loaded, OnTopQuality) and loaded.get_config() == model.get_config()
    np.testing.assert_allclose(loaded.predict(embeddings, verbose=0), model.predict(embeddings, verbose=0), atol=1e-6)
    np.testing.assert_array_equal(loaded.margin_head.kernel.numpy(), model.margin_head.kernel.numpy())


def test_singletons_are_classes_but_carry_no_cr_target():
    embeddings, labels, _ = embeddings_with_known_noise(people=6, per_person=2, dim=8)
    labels = labels.copy()
    labels[:4] = [100, 101, 102, 103]  # four people with one photo each
    model, history = train_on_top(embeddings, labels, OnTopSettings(epochs=2))
    assert model.num_classes == 8 and np.isfinite(history["loss"]).all()
    with pytest.raises(ValueError, match="every identity has one sample"):
        train_on_top(embeddings[:3], np.arange(3), OnTopSettings(epochs=1))


def test_a_linear_head_and_bad_settings():
    embeddings, labels, _ = embeddings_with_known_noise(people=10, per_person=2, dim=8)
    model, _ = train_on_top(embeddings, labels, OnTopSettings(hidden=0, epochs=1))
    assert model.hidden_layer is None and len(model.quality.get_weights()[0]) == 8
    with pytest.raises(ValueError, match=r"embeddings \[N, D\] and labels \[N\] must match"):
        train_on_top(embeddings, labels[:-1])
    with pytest.raises(ValueError, match="on-top settings out of range"):
        OnTopSettings(epochs=0)
    with pytest.raises(ValueError, match="on-top cr_mode must be one of code, paper, got 'ratio'"):
        OnTopSettings(cr_mode="ratio")


def test_augmented_copies_get_cr_targets_without_moving_the_class_centres():
    embeddings, labels, _ = embeddings_with_known_noise(people=20, per_person=3, dim=8)
    rng = np.random.default_rng(3)
    copies = embeddings + rng.normal(size=embeddings.shape).astype(np.float32) * 50  # far off their class
    both = np.concatenate([embeddings, copies])
    fits = np.arange(len(both)) < len(embeddings)
    settings = OnTopSettings(epochs=15, batch_size=32)
    clean_only, _ = train_on_top(both, np.concatenate([labels, labels]), settings, fits_centres=fits)
    pulled, _ = train_on_top(both, np.concatenate([labels, labels]), settings)

    def centre_fit(model):  # mean cosine of the clean samples to their own centre
        centres = model.margin_head.kernel.numpy()
        centres = centres / np.linalg.norm(centres, axis=0, keepdims=True)
        unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
        return float(np.mean(np.sum(unit * centres[:, labels].T, axis=1)))

    assert centre_fit(clean_only) > centre_fit(pulled) + 0.05
    with pytest.raises(ValueError, match="fits_centres must have one flag per embedding"):
        train_on_top(embeddings, labels, settings, fits_centres=fits)


def test_a_cr_target_needs_a_centre_that_is_more_than_the_sample_itself():
    from crfiqa_tf.on_top.train_on_top import cr_target_weights

    labels = np.array([0, 0, 1, 1, 2])  # class 0: two photos; class 1: one photo and its degraded copy; 2: alone
    fits = np.array([True, True, True, False, True])
    np.testing.assert_array_equal(cr_target_weights(labels, fits), [1, 1, 0, 1, 0])
    np.testing.assert_array_equal(cr_target_weights(labels, np.ones(5, bool)), [1, 1, 1, 1, 0])
