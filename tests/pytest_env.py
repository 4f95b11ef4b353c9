"""Loaded with `-p` before Django's settings: production-like settings for the test run.

The suite runs with DEBUG off (as production does) but over plain http on localhost.
"""

import os
import secrets

os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "Yp7lqVgV3vUuVRbmxcS5yGw6sGp7e3QJ6hXg6qKq3Vw=")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("BASE_DOMAIN", "localhost")
os.environ.setdefault("PUBLIC_SCHEME", "http")
os.environ.setdefault("CACHE_KEY_PREFIX", f"xeno-test-{os.getpid()}")
# A queue of this run's own, so that a worker of another run never takes its tasks.
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"xeno-test-{os.getpid()}")
