"""WSGI entry point."""

import logging
import os
import threading

from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liuyan.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Load the URL configuration (every view and the API) and build the post form's text analysis in the
    background while the worker starts serving: without it the worker's first request waits ~0.5 s and the
    first citizen to type 2–3 s more. A failure (a database not migrated yet) is logged and what failed is
    built on first use, as before."""
    # Models are imported once the app registry is ready (get_wsgi_application above), not at the top.
    from liuyan.intelligence.analyze import warm_up

    try:
        get_resolver().url_patterns  # noqa: B018 (imports the URL configuration)
        warm_up()
    except Exception:
        logging.getLogger(__name__).exception("warming up the text analysis failed")
    finally:
        connection.close()


threading.Thread(target=_warm_up, name="liuyan-warm-up", daemon=True).start()
