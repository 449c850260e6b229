"""Import of the official CR-FIQA PyTorch weights."""
