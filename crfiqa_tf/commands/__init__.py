"""One module per `crfiqa-tf` command, each with ``add_parser(commands)`` (its flags, ``handler=run``) and
``run(args) -> int`` (parse, call a library or application function, print); `crfiqa_tf.cli` only dispatches.
These modules are the only part of the library that may import the applications (`crfiqa_tf_apps.*`)."""
