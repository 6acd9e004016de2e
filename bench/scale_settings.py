"""Bench-only settings: the project's, with the URLconf that adds /hello (bench/scale_urls.py).
Importable with bench/ on PYTHONPATH; the application itself never sees this module."""

from liuyan.settings import *  # noqa: F403

ROOT_URLCONF = "scale_urls"
