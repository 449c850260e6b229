"""crfiqa_tf.on_top: the CR loss on a frozen matcher's embeddings learns which samples sit far from their class
centre (synthetic embeddings whose per-sample noise is known), saves and reloads, and refuses what it cannot learn."""

import keras
import numpy as np
import pytest
from scipy.stats import spearmanr
from support.paths import FIXTURES

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
    np.testing.assert_array_equal(loaded.margin_heads[0].kernel.numpy(), model.margin_heads[0].kernel.numpy())


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
    assert model.hidden_layers == [] and len(model.quality_units[0].get_weights()[0]) == 8
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
        centres = model.margin_heads[0].kernel.numpy()
        centres = centres / np.linalg.norm(centres, axis=0, keepdims=True)
        unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
        return float(np.mean(np.sum(unit * centres[:, labels].T, axis=1)))

    assert centre_fit(clean_only) > centre_fit(pulled) + 0.05
    with pytest.raises(ValueError, match="fits_centres must have one flag per embedding"):
        train_on_top(embeddings, labels, settings, fits_centres=fits)


def test_copies_left_unchanged_get_no_target_so_the_targets_are_those_of_the_photos_alone():
    """An augmented copy identical to one of its person's photos (the untouched share of a cross-quality copy) is
    left out: the leave-one-out targets' mean and spread are then those of the photos alone (with the copies, their
    biased targets — their own photo in their centre — would move both)."""
    embeddings, labels, _ = embeddings_with_known_noise(people=30, per_person=3, dim=16)
    settings = OnTopSettings(hidden=4, epochs=1, batch_size=64, centres="leave-one-out")
    alone, _ = train_on_top(embeddings, labels, settings)
    copies = np.concatenate([embeddings, embeddings[::2] * 2.0])  # a copy keeps its photo's direction
    fits = np.arange(len(copies)) < len(embeddings)
    with_copies, _ = train_on_top(copies, np.concatenate([labels, labels[::2]]), settings, fits_centres=fits)
    assert with_copies.target_shift == pytest.approx(alone.target_shift, abs=1e-6)
    assert with_copies.target_scale == pytest.approx(alone.target_scale, abs=1e-6)


def test_members_are_separate_runs_whose_mean_is_the_quality(tmp_path):
    embeddings, labels, noise = embeddings_with_known_noise(people=40, per_person=3, dim=16)
    settings = OnTopSettings(hidden=8, epochs=3, batch_size=32, members=3)
    model, history = train_on_top(embeddings, labels, settings)
    each = model.member_qualities(embeddings).numpy()
    assert each.shape == (len(embeddings), 3)
    np.testing.assert_allclose(model.predict(embeddings, verbose=0), each.mean(axis=1), rtol=1e-5, atol=1e-6)
    kernels = [head.kernel.numpy() for head in model.margin_heads]
    assert len(kernels) == 3 and not np.allclose(kernels[0], kernels[1])  # each its own centres
    assert not np.allclose(each[:, 0], each[:, 1])  # and its own head
    # the losses reported are the members' means, comparable with a one-member run
    single, single_history = train_on_top(embeddings, labels, OnTopSettings(hidden=8, epochs=3, batch_size=32))
    assert 0.3 < history["ce"][0] / single_history["ce"][0] < 3
    model.save(tmp_path / "members.keras")
    loaded = keras.saving.load_model(tmp_path / "members.keras")
    assert loaded.get_config()["members"] == 3
    np.testing.assert_allclose(loaded.predict(embeddings, verbose=0), model.predict(embeddings, verbose=0), atol=1e-6)
    with pytest.raises(ValueError, match="on-top settings out of range"):
        OnTopSettings(members=0)
    with pytest.raises(ValueError, match="at least one member"):
        OnTopQuality(8, 4, members=0)


def test_the_mirror_averaged_features_are_the_sum_of_the_unit_embeddings():
    from crfiqa_tf.on_top.on_top_model import mirror_averaged

    rng = np.random.default_rng(0)
    pairs = rng.normal(size=(5, 2, 6)).astype(np.float32) * rng.uniform(0.5, 20, size=(5, 2, 1)).astype(np.float32)
    unit = pairs / np.linalg.norm(pairs, axis=2, keepdims=True)
    np.testing.assert_allclose(np.asarray(mirror_averaged(pairs)), unit[:, 0] + unit[:, 1], rtol=1e-5, atol=1e-6)
    same = np.stack([pairs[:, 0], 3 * pairs[:, 0]], axis=1)  # a face the matcher sees the same both ways
    np.testing.assert_allclose(np.linalg.norm(np.asarray(mirror_averaged(same)), axis=1), 2.0, rtol=1e-5)


def test_the_mirror_agreement_is_the_cosine_of_each_face_and_its_mirror_and_the_heads_last_feature():
    from crfiqa_tf.evaluation import baselines
    from crfiqa_tf.on_top.on_top_model import mirror_agreement

    rng = np.random.default_rng(0)
    for n, dim in ((1, 2), (7, 3), (40, 256)):  # the TF twin of the baseline on random sizes and lengths
        pairs = rng.normal(size=(n, 2, dim)) * rng.uniform(0.01, 50, size=(n, 2, 1))
        pairs[0, 1] = -3 * pairs[0, 0]  # a face the matcher sees the other way round: cosine -1
        twin = np.asarray(mirror_agreement(pairs.astype(np.float32)))
        assert twin.shape == (n, 1) and np.isclose(twin[0, 0], -1, atol=1e-5)
        np.testing.assert_allclose(twin[:, 0], baselines.mirror_agreement(pairs), rtol=1e-5, atol=1e-5)
    pairs = rng.normal(size=(5, 2, 6)).astype(np.float32) * rng.uniform(0.5, 20, size=(5, 2, 1)).astype(np.float32)
    unit = pairs / np.linalg.norm(pairs, axis=2, keepdims=True)
    cosine = np.sum(unit[:, 0] * unit[:, 1], axis=1)
    model = OnTopQuality(6, 4, mirror=True, agreement=True)
    features = np.asarray(model.head_features(pairs))
    assert features.shape == (5, 7)
    np.testing.assert_allclose(features[:, :6], unit[:, 0] + unit[:, 1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(features[:, 6], cosine, rtol=1e-5, atol=1e-6)
    assert np.asarray(OnTopQuality(6, 4, mirror=True).head_features(pairs)).shape == (5, 6)
    with pytest.raises(ValueError, match="mirror agreement needs mirror=True"):
        OnTopQuality(6, 4, agreement=True)


def test_a_mirror_head_takes_each_face_and_its_mirror_and_refuses_single_embeddings(tmp_path):
    embeddings, labels, noise = embeddings_with_known_noise(people=60, per_person=3, dim=16)
    rng = np.random.default_rng(1)
    # the mirror image of a noisy face turns further than a clean face's: the head can learn from the pair
    mirrored = embeddings + rng.normal(size=embeddings.shape).astype(np.float32) * (20 * noise[:, None])
    pairs = np.stack([embeddings, mirrored], axis=1)
    settings = OnTopSettings(hidden=16, epochs=20, batch_size=32, mirror=True)
    model, _ = train_on_top(pairs, labels, settings)
    quality = model.predict(pairs, verbose=0)
    assert quality.shape == (len(pairs),)
    assert spearmanr(quality, -noise).statistic > 0.4  # 0.48 measured
    assert model.agreement and model.standardise.mean.shape[-1] == 17  # the embedding, then the agreement
    model.save(tmp_path / "mirror.keras")
    loaded = keras.saving.load_model(tmp_path / "mirror.keras")
    assert loaded.mirror and loaded.agreement and loaded.get_config() == model.get_config()
    np.testing.assert_allclose(loaded.predict(pairs, verbose=0), quality, atol=1e-6)
    with pytest.raises(ValueError, match=r"embeddings must be \[N, 2, D\] \(each face, then its mirror image\)"):
        train_on_top(embeddings, labels, settings)
    with pytest.raises(ValueError, match=r"embeddings must be \[N, D\], got \(180, 2, 16\)"):
        train_on_top(pairs, labels, OnTopSettings(epochs=1))


def test_a_run_saved_by_0_7_0_loads_and_gives_its_qualities():
    """tests/fixtures/on_top_0.7.0.keras: a one-member head (8-d embeddings, 4 classes, 3 hidden units) saved by 0.7.0's
    `OnTopQuality`, with the qualities it gave (`*_expected.npz`). Member 0 keeps 0.7.0's layer layout."""
    import pathlib

    data = pathlib.Path(FIXTURES)
    loaded = keras.saving.load_model(data / "on_top_0.7.0.keras")
    expected = np.load(data / "on_top_0.7.0_expected.npz")
    assert loaded.members == 1 and not loaded.mirror and loaded.hidden == 3
    np.testing.assert_allclose(loaded.predict(expected["embeddings"], verbose=0), expected["quality"], atol=1e-6)


def test_a_mirror_run_saved_by_0_9_0_loads_without_the_agreement_and_gives_its_qualities():
    """tests/fixtures/on_top_0.9.0_mirror.keras: a two-member leave-one-out mirror head (8-d, 3 hidden units) saved by
    0.9.0, whose heads took the mirror-averaged embedding alone, with the qualities it gave."""
    import pathlib

    data = pathlib.Path(FIXTURES)
    loaded = keras.saving.load_model(data / "on_top_0.9.0_mirror.keras")
    expected = np.load(data / "on_top_0.9.0_mirror_expected.npz")
    assert loaded.mirror and not loaded.agreement and loaded.members == 2
    np.testing.assert_allclose(loaded.predict(expected["embeddings"], verbose=0), expected["quality"], atol=1e-6)


def test_leave_one_out_centres_regress_the_matchers_own_certainty_ratio(tmp_path):
    from crfiqa_tf.losses import certainty_ratio
    from crfiqa_tf.on_top.matcher_centres import leave_one_out_similarities

    # a sample's own noise turns it from its person's other samples, whose mean is its leave-one-out centre
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(60), 4)
    noise = rng.uniform(0.1, 1.5, len(labels))
    unit_noise = rng.normal(size=(len(labels), 16))
    embeddings = (rng.normal(size=(60, 16))[labels] + unit_noise * noise[:, None]).astype(np.float32)
    settings = OnTopSettings(hidden=16, epochs=30, batch_size=32, centres="leave-one-out")
    model, history = train_on_top(embeddings, labels, settings)
    assert model.get_config()["centres"] == "leave-one-out"
    assert history["ce"] == [0.0] * 30 and history["cr_loss"][-1] < history["cr_loss"][0] / 2
    quality = model.predict(embeddings, verbose=0)
    target = np.asarray(certainty_ratio(*leave_one_out_similarities(embeddings, labels), "paper"))
    # the heads answer in CR units: shift and scale are the training targets' mean and spread
    assert model.target_shift == pytest.approx(target.mean(), rel=1e-5)
    assert model.target_scale == pytest.approx(target.std(), rel=1e-4)
    assert abs(quality.mean() - target.mean()) < 0.3 * target.std()
    assert spearmanr(quality, target).statistic > 0.6 and spearmanr(quality, -noise).statistic > 0.35  # 0.71, 0.44
    # no class centres are learned or saved: only the standardising layer and the head hold weights
    assert model.margin_heads == [] and len(model.weights) == 3 + 4
    model.save(tmp_path / "loo.keras")
    loaded = keras.saving.load_model(tmp_path / "loo.keras")
    assert loaded.centres == "leave-one-out" and loaded.get_config() == model.get_config()
    np.testing.assert_allclose(loaded.predict(embeddings, verbose=0), quality, atol=1e-6)
    # a lone face at right angles to every centre has CR 0/0 in code mode: no target, and no NaN in the loss
    lone = np.array([[1, 0, 0], [0.8, 0.6, 0], [0.6, 0.8, 0], [0.5, 0.86, 0], [0, 0, 1]], np.float32)
    _, lone_history = train_on_top(lone, [0, 0, 1, 1, 2], OnTopSettings(cr_mode="code", centres="leave-one-out"))
    assert np.isfinite(lone_history["loss"]).all()
    one_person = np.array([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8]], np.float32)
    with pytest.raises(ValueError, match="cr_mode 'code' divides by NNCCS.*use cr_mode 'paper'"):
        train_on_top(one_person, [0, 0, 0], OnTopSettings(cr_mode="code", centres="leave-one-out"))
    with pytest.raises(ValueError, match="on-top centres must be one of learned, leave-one-out, got 'mean'"):
        OnTopSettings(centres="mean")
    with pytest.raises(ValueError, match="OnTopQuality centres must be one of learned, leave-one-out"):
        OnTopQuality(8, 4, centres="mean")
