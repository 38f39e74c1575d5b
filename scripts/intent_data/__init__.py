"""Labelled training data for the intent classifier (offline only, never imported at run time).

``families_*`` hold phrasing families written by hand per intent and language, ``fills``
the slot values, ``corpora`` the real public prompts, ``paraphrase`` the operators applied to
every rendered prompt, and ``generate`` puts them together into train and held-out splits.
"""
