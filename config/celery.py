"""The Celery app (cookiecutter-django's layout): settings under the CELERY_ namespace, tasks
from each app's tasks.py, and the outbox sweeper on beat (`celery -A config worker --beat`,
or a separate `celery -A config beat`)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tessera")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _schedule_outbox_sweeper(sender: Celery, **kwargs: object) -> None:
    from django.conf import settings

    interval = float(getattr(settings, "OUTBOX_SWEEP_SECONDS", 30.0))
    sender.add_periodic_task(
        interval,
        sender.signature("accounts.tasks.sweep_outbox_task"),
        name="sweep-outbox",
        # A sweep that waited past the next one (worker down) is redundant.
        expires=interval,
    )
