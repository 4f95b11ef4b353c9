"""Log formatting: JSON lines in production, plain text in development, secrets never printed."""

import json
import logging
import re
from datetime import UTC, datetime

from xeno.request_context import request_id_var

# Shopify access tokens, client secrets, refresh tokens, bearer/JWT values, and the one-time tokens
# of sign-in hand-offs (`?token=`) and invitation links (`/accounts/invitations/<token>/`) that
# might end up in an exception message or a logged URL: masked before any handler writes the line.
_SECRET_PATTERNS = [
    re.compile(r"\b(shp(?:at|ca|ss|pa|rt|ua)_)[A-Za-z0-9]{8,}"),
    re.compile(r"(?i)(x-shopify-access-token['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|password)['\"]?\s*[:=]\s*['\"]?)[^\s'\"&,}]+"
    ),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"([?&]token=)[^&\s'\"]+"),
    re.compile(r"(/accounts/invitations/)[^/\s'\"]+"),
]


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + "[REDACTED]", text)
    return text


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = (
                    value if isinstance(value, (int, float, bool, type(None))) else str(value)
                )
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False))
