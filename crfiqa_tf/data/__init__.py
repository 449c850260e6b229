"""Training data: readers of the formats users have, the TFRecord contract, the tf.data pipeline."""
