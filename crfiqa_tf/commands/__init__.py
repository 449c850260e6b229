"""One module per `crfiqa-tf` command that has moved out of `crfiqa_tf.cli`: each has ``add_parser(commands)``
and ``run(args) -> int``; `crfiqa_tf.cli` only registers them."""
