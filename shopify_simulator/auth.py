"""The three ways an app gets an Admin API token in 2026, per shop.

1. a legacy custom-app token (never expires);
2. the client-credentials grant of a Dev Dashboard app (24 h tokens);
3. the OAuth authorization-code flow, with expiring offline tokens and rotating refresh tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

INVALID_TOKEN_BODY = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}
CLIENT_CREDENTIALS_TTL = 86399
EXPIRING_TOKEN_TTL = 3600
REFRESH_TOKEN_TTL = 90 * 86400
CODE_TTL = 600


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.body = {"error": error, "error_description": description}
        self.status = status


@dataclass(frozen=True)
class App:
    """`key` names the bucket and bulk-operation owner; `signing_secret` signs webhooks."""

    key: str
    title: str
    client_id: str
    client_secret: str
    signing_secret: str


@dataclass
class Token:
    value: str
    app: App
    scopes: tuple[str, ...]
    expires_at: float | None = None
    revoked: bool = False


def oauth_hmac(params: dict, secret: str) -> str:
    """Hex HMAC-SHA256 of the sorted query string without `hmac`, as Shopify signs redirects."""
    pairs = []
    for key, value in params.items():
        if key in ("hmac", "signature"):
            continue
        key = str(key).replace("%", "%25").replace("=", "%3D")
        value = str(value).replace("%", "%25")
        pairs.append(f"{key}={value}".replace("&", "%26"))
    message = "&".join(sorted(pairs))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def webhook_hmac(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def expand_scopes(scopes) -> tuple[str, ...]:
    """write_x implies read_x on Shopify."""
    result = []
    for scope in scopes:
        result.append(scope)
        if scope.startswith("write_"):
            result.append("read_" + scope.removeprefix("write_"))
    return tuple(dict.fromkeys(result))


class ShopAuth:
    def __init__(self, config, token_ttl: float | None, now=time.time) -> None:
        self.config = config
        self.now = now
        self.token_ttl = token_ttl
        self.custom_app = App(
            "custom",
            "Custom app",
            "custom-" + config.name,
            config.webhook_secret,
            config.webhook_secret,
        )
        self.dashboard_app = App(
            "dashboard", "Xeno", config.client_id, config.client_secret, config.client_secret
        )
        self.tokens: dict[str, Token] = {
            config.token: Token(config.token, self.custom_app, tuple(config.scopes))
        }
        self.codes: dict[str, tuple[float, tuple[str, ...]]] = {}
        self.refresh_tokens: dict[str, tuple[float, tuple[str, ...]]] = {}
        self.lock = threading.Lock()

    def lookup(self, value: str | None) -> Token | None:
        token = self.tokens.get(value or "")
        if token is None or token.revoked:
            return None
        if token.expires_at is not None and self.now() >= token.expires_at:
            return None
        return token

    def revoke_all(self) -> None:
        with self.lock:
            for token in self.tokens.values():
                token.revoked = True
            self.refresh_tokens.clear()

    def _check_client(self, client_id: str | None, client_secret: str | None) -> None:
        if client_id != self.dashboard_app.client_id:
            raise OAuthError("invalid_client", "Client ID is invalid or does not exist.")
        if not hmac.compare_digest(client_secret or "", self.dashboard_app.client_secret):
            raise OAuthError("invalid_client", "Client credentials are invalid.")

    def _issue(self, scopes, ttl: float) -> Token:
        ttl = self.token_ttl if self.token_ttl is not None else ttl
        value = "shpat_" + secrets.token_hex(16)
        token = Token(value, self.dashboard_app, tuple(scopes), self.now() + ttl)
        with self.lock:
            self.tokens[value] = token
        return token

    def exchange(self, form: dict) -> dict:
        """POST /admin/oauth/access_token for all three grant shapes."""
        self._check_client(form.get("client_id"), form.get("client_secret"))
        grant = form.get("grant_type")
        if grant == "client_credentials":
            token = self._issue(self.config.scopes, CLIENT_CREDENTIALS_TTL)
            return self._body(token, CLIENT_CREDENTIALS_TTL)
        if grant == "refresh_token":
            return self._refresh(form.get("refresh_token", ""))
        if grant not in (None, "", "authorization_code"):
            raise OAuthError("unsupported_grant_type", f"Grant type {grant!r} is not supported.")
        with self.lock:
            entry = self.codes.pop(form.get("code", ""), None)
        if entry is None or self.now() > entry[0]:
            raise OAuthError(
                "invalid_request", "The authorization code was not found or was already used"
            )
        scopes = entry[1]
        if str(form.get("expiring", "0")) in ("1", "true"):
            return self._expiring(scopes)
        token = Token("shpat_" + secrets.token_hex(16), self.dashboard_app, scopes)
        with self.lock:
            self.tokens[token.value] = token
        return {"access_token": token.value, "scope": ",".join(scopes)}

    def _expiring(self, scopes) -> dict:
        token = self._issue(scopes, EXPIRING_TOKEN_TTL)
        refresh = "shprt_" + secrets.token_hex(16)
        with self.lock:
            self.refresh_tokens[refresh] = (self.now() + REFRESH_TOKEN_TTL, tuple(scopes))
        body = self._body(token, EXPIRING_TOKEN_TTL)
        body.update(refresh_token=refresh, refresh_token_expires_in=REFRESH_TOKEN_TTL)
        return body

    def _refresh(self, refresh_token: str) -> dict:
        with self.lock:
            entry = self.refresh_tokens.pop(refresh_token, None)
        if entry is None or self.now() > entry[0]:
            raise OAuthError("invalid_grant", "The refresh token is invalid or has expired.")
        return self._expiring(entry[1])

    def _body(self, token: Token, ttl: float) -> dict:
        ttl = self.token_ttl if self.token_ttl is not None else ttl
        return {
            "access_token": token.value,
            "scope": ",".join(token.scopes),
            "expires_in": int(ttl),
        }

    def authorize(self, query: dict) -> str:
        """The redirect URL for GET /admin/oauth/authorize; the merchant always approves."""
        if query.get("client_id") != self.dashboard_app.client_id:
            raise OAuthError(
                "invalid_request", "Oauth error invalid_request: The client_id is invalid"
            )
        redirect_uri = query.get("redirect_uri")
        if not redirect_uri:
            raise OAuthError(
                "invalid_request", "Oauth error invalid_request: redirect_uri is missing"
            )
        requested = [s.strip() for s in (query.get("scope") or "").split(",") if s.strip()]
        scopes = expand_scopes(requested) if requested else tuple(self.config.scopes)
        code = secrets.token_hex(16)
        with self.lock:
            self.codes[code] = (self.now() + CODE_TTL, scopes)
        params = {
            "code": code,
            "host": base64.b64encode(f"admin.shopify.com/store/{self.config.name}".encode())
            .decode()
            .rstrip("="),
            "shop": self.config.domain,
            "state": query.get("state", ""),
            "timestamp": str(int(time.time())),
        }
        params["hmac"] = oauth_hmac(params, self.dashboard_app.client_secret)
        separator = "&" if "?" in redirect_uri else "?"
        return redirect_uri + separator + urlencode(params)
