"""The real services of `make test-services`, as tests see them: a Celery worker the session
starts on pytest-django's test database, and the Redis server scripts/test-services.sh
started (its config file is in TESSERA_REDIS_CONF), both stoppable from a test."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import redis

ROOT = Path(__file__).resolve().parent.parent
READY_LINE = "ready."


def services_enabled() -> bool:
    return bool(os.environ.get("REDIS_URL"))


def database_url(settings_dict: dict[str, object]) -> str:
    """A DATABASE_URL naming exactly the database Django is connected to (the test one)."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(str(settings_dict['NAME']), safe='')}"


class CeleryWorker:
    """`celery -A config worker --beat`: one process consuming the default queue, with the
    outbox sweeper scheduled inside it."""

    def __init__(self, *, database_url: str, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.log_path = work_dir / "celery-worker.log"
        self.pid_path = work_dir / "pids" / "celery-worker.pid"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30) -> None:
        if self.running:
            return
        self.pid_path.parent.mkdir(parents=True, exist_ok=True)
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--beat",
                    f"--schedule={self.work_dir / 'beat-schedule'}",
                    "--pool=solo",
                    "--hostname=tessera-test@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--loglevel=INFO",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.pid_path.write_text(str(self.process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"celery worker exited; see {self.log_path}")
            with self.log_path.open("rb") as log:
                log.seek(offset)
                if READY_LINE.encode() in log.read():
                    return
            time.sleep(0.1)
        raise RuntimeError(f"celery worker not ready within {timeout}s; see {self.log_path}")

    def stop(self, timeout: float = 15) -> None:
        """Warm shutdown (SIGTERM): the task in hand finishes, queued ones stay in Redis."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.pid_path.unlink(missing_ok=True)


class RedisServer:
    """The Redis server scripts/test-services.sh started, restartable from its config file."""

    def __init__(self, *, url: str, config_path: Path) -> None:
        self.url = url
        self.config_path = config_path

    def _client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)

    @property
    def running(self) -> bool:
        try:
            return bool(self._client().ping())
        except redis.ConnectionError:
            return False

    def stop(self, timeout: float = 10) -> None:
        if not self.running:
            return
        # The server closes the connection as it exits.
        with contextlib.suppress(redis.ConnectionError):
            self._client().shutdown(nosave=True)
        self._wait(lambda: not self.running, timeout, "stop")

    def start(self, timeout: float = 10) -> None:
        if self.running:
            return
        subprocess.run(["redis-server", str(self.config_path)], check=True)
        self._wait(lambda: self.running, timeout, "start")

    def _wait(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis did not {what} within {timeout}s")


class Services:
    """What a services test controls: `services.worker.stop()`, `services.redis.start()`."""

    def __init__(self, *, worker: CeleryWorker, redis_server: RedisServer) -> None:
        self.worker = worker
        self.redis = redis_server

    def ensure_running(self) -> None:
        self.redis.start()
        self.worker.start()
