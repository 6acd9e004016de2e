"""Bench-only settings: the project's, with the URLconf that adds the bare-insert reference
(bench/submit_urls.py). Importable with bench/ on PYTHONPATH; the application never sees this module."""

from liuyan.settings import *  # noqa: F403

ROOT_URLCONF = "submit_urls"
