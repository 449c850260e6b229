"""The trainer application: `train.py` (thin) over `train_lib.train`."""
