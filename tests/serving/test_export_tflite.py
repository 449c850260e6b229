"""serving.export_tflite: the int8 model fitted on a folder of faces, and the folder named when it cannot be used."""

import json

from PIL import Image

SIZE = 32


def test_int8_export_fitted_on_a_folder_of_faces_names_it(exported, tmp_path):
    from crfiqa_tf.data.samples import synthetic_images
    from crfiqa_tf_apps.serving.export_lib import export

    faces = tmp_path / "faces"
    faces.mkdir()
    for i, image in enumerate(synthetic_images(96, SIZE, seed=41)):
        Image.fromarray(image).save(faces / f"{i:02d}.png")
    (faces / "broken.png").write_bytes(b"not an image")
    (faces / "notes.txt").write_text("a file by any name is an input")
    (faces / "no_extension").write_bytes(b"")
    result = export(
        str(exported["tmp"] / "model.keras"),
        str(tmp_path / "out"),
        formats=["tflite"],
        quantize=["int8"],
        representative=str(faces),
    )
    report = json.loads((tmp_path / "out" / "export_report.json").read_text())
    representative, held_out = report["images"]["int8_representative"], report["images"]["parity_held_out"]
    assert representative["source"] == held_out["source"] == str(faces) and representative["kind"] == "images"
    assert representative["count"] + held_out["count"] == 96 and representative["skipped"] == 3
    assert {(x["source_id"].rsplit("/", 1)[1], x["reason"]) for x in representative["skipped_files"]} == {
        ("broken.png", "not_an_image"),
        ("notes.txt", "not_an_image"),
        ("no_extension", "empty"),
    }
    assert (representative["count"], held_out["count"], result["files"][0]["parity"]["images"]) == (64, 32, 32)
    sidecar = json.loads(open(result["files"][0]["path"] + ".json").read())
    assert sidecar["int8_representative"] == representative and sidecar["parity_images"] == held_out
    parity = result["files"][0]["parity"]  # on 32 faces of the folder that the ranges were not fitted on
    assert parity["spearman_quality"] >= 0.98 and parity["mean_cosine_embedding"] >= 0.99, parity


def test_the_predict_images_copy_converts_to_the_file_the_full_saved_model_gives(exported):
    """The TFLite files are converted from a copy of the SavedModel that holds only ``predict_images`` (the photo
    signatures make each of the converter's loads slow): the same file byte for byte, the copy gone after."""
    import os

    from crfiqa_tf import signatures as sig
    from crfiqa_tf_apps.serving.export_tflite import convert
    from crfiqa_tf_apps.serving.predict_images_graph import predict_images_only

    saved = exported["saved"]
    with predict_images_only(saved) as graph:
        import tensorflow as tf

        assert list(tf.saved_model.load(graph).signatures) == [sig.PREDICT_IMAGES]
        assert convert(graph, "fp32") == convert(saved, "fp32")
    assert not os.path.exists(graph)
