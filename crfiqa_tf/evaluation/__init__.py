"""Evaluation as the field does it: verification accuracy and (in later modules) EDC / ERC."""
