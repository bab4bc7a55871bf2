"""Authoring: what course staff generate from the reference. `stubs` makes the templates, `notebooks` the
notebooks, `release` writes (and checks) every generated file, oracle values included.
"""
