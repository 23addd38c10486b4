from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Embedded mode only (no REDIS_URL): the serving process sweeps the mail outbox itself, as
# Celery beat does otherwise (accounts.services.messaging.start_embedded_sweeper). Started
# here, in the process that serves (gunicorn's worker, runserver), not in management
# commands or tests.
from accounts.services.messaging import start_embedded_sweeper  # noqa: E402

start_embedded_sweeper()
