"""Encryption at rest for Shopify credentials (Fernet: AES-128-CBC + HMAC-SHA256)."""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet() -> Fernet:
    key = settings.FIELD_ENCRYPTION_KEY
    if not key:
        # Development only (settings refuse DEBUG=0 without a key): derived from SECRET_KEY.
        digest = hashlib.sha256(f"xeno-field-key:{settings.SECRET_KEY}".encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def secret_encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def secret_decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise ValueError(
            "A stored Shopify credential cannot be decrypted: FIELD_ENCRYPTION_KEY changed."
        ) from error


def secret_mask(plaintext: str) -> str:
    """What may be shown of a secret: its kind and last four characters."""
    if not plaintext:
        return ""
    prefix = plaintext.split("_", 1)[0] + "_" if plaintext.startswith("shp") else ""
    return f"{prefix}…{plaintext[-4:]}"
