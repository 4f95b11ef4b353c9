import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from xeno.logging import JsonFormatter, RedactSecretsFilter, RequestContextFilter

ROOT = Path(__file__).resolve().parent.parent


def _start_django(**overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "xeno.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _start_django(DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_refuses_a_short_secret_key():
    assert _start_django(DEBUG="0", SECRET_KEY="short").returncode != 0


def test_production_mode_starts_with_a_real_key_and_secure_defaults():
    check = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
        "s.SECURE_SSL_REDIRECT)"
    )
    env = {k: v for k, v in os.environ.items() if k != "SECURE_SSL_REDIRECT"}
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=ROOT,
        env={
            **env,
            "DEBUG": "0",
            "SECRET_KEY": "k" * 50,
            "DJANGO_SETTINGS_MODULE": "xeno.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.split() == ["True", "True", "True", "True"], result.stderr


def test_responses_carry_a_request_id_and_security_headers(client, db):
    assert client.get("/healthz", HTTP_HOST="localhost").json() == {"database": "ok", "cache": "ok"}
    response = client.get(
        "/accounts/sign-in/", HTTP_HOST="localhost", HTTP_X_REQUEST_ID="abc123def456"
    )

    assert response.status_code == 200
    assert response["X-Request-ID"] == "abc123def456"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def _format(message: str, *args) -> dict:
    record = logging.LogRecord("xeno.test", logging.INFO, __file__, 1, message, args, None)
    RequestContextFilter().filter(record)
    RedactSecretsFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_log_lines_are_json_with_a_request_id_and_no_access_tokens():
    token = "shpat_" + "a1b2c3d4" * 4
    entry = _format("calling Shopify with %s and client_secret=%s", token, "s3cr3tvalue")

    assert entry["request_id"] == "-"
    assert token not in json.dumps(entry)
    assert "s3cr3tvalue" not in json.dumps(entry)
    assert "[REDACTED]" in entry["message"]


def test_one_time_tokens_in_logged_urls_are_masked():
    handoff = "Forbidden: /auth/handoff/?token=eyJ1IjoxfQ:1abc:sig-value&next=/"
    invitation = "Bad Request: /accounts/invitations/MTIz:1vXyZ:Abc-def_123/"

    for line in (handoff, invitation):
        entry = _format("%s", line)
        assert "[REDACTED]" in entry["message"]
    assert "sig-value" not in json.dumps(_format("%s", handoff))
    assert "Abc-def_123" not in json.dumps(_format("%s", invitation))


def test_django_request_records_pass_only_through_the_redacting_handler():
    assert logging.getLogger("django").handlers == []
    (server,) = logging.getLogger("django.server").handlers
    assert any(isinstance(f, RedactSecretsFilter) for f in server.filters)
