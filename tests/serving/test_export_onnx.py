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


def test_a_process_that_froze_its_own_objects_is_left_as_it_was():
    from crfiqa_tf_apps.serving.export_onnx import _collecting_garbage_between_optimizers

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with _collecting_garbage_between_optimizers():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
