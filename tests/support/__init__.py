"""Shared test doubles and helpers (imported as ``support.NAME``): stand-in scorers, the serving and object-store
doubles, the GCS emulator, real-photo and synthetic-frame makers, the browser used by the page tests."""
