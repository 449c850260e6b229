"""serving.export_onnx: the collections between tf2onnx's passes see only what the conversion made, and a process
that froze objects of its own keeps them frozen."""

import gc


def test_objects_alive_before_the_conversion_are_frozen_only_meanwhile():
    from crfiqa_tf_apps.serving.export_onnx import _collecting_garbage_between_optimizers

    assert gc.get_freeze_count() == 0
    alive = [object() for _ in range(10)]
    with _collecting_garbage_between_optimizers():
        assert gc.get_freeze_count() >= len(alive)
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_its_own_objects_is_left_as_it_was(monkeypatch):
    """Counted by the calls, not by `gc.get_freeze_count()`: frozen objects that other threads release leave the
    permanent generation at any moment, so the count can fall while nothing is unfrozen."""
    from crfiqa_tf_apps.serving.export_onnx import _collecting_garbage_between_optimizers

    gc.freeze()
    try:
        calls = []
        for name in ("freeze", "unfreeze", "collect"):
            monkeypatch.setattr(gc, name, lambda *args, name=name: calls.append(name))
        with _collecting_garbage_between_optimizers():
            assert calls == []
        assert calls == [] and gc.get_freeze_count() > 0
    finally:
        monkeypatch.undo()
        gc.unfreeze()
