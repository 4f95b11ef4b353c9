"""Tokens: legacy, client credentials, OAuth with expiring and refreshed tokens."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

import httpx
import shopify

from shopify_simulator.auth import oauth_hmac, webhook_hmac
from shopify_simulator.testing import run_simulator

SHOP_QUERY = {"query": "{ shop { name } }"}
INVALID = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def call(url: str, token: str) -> httpx.Response:
    return httpx.post(url, json=SHOP_QUERY, headers={"X-Shopify-Access-Token": token})


def test_fixture_hmac_vectors():
    params = {
        "shop": "some-shop.myshopify.com",
        "code": "a94a110d86d2452eb3e2af4cfb8a3828",
        "timestamp": "1337178173",
    }
    expected = "2cb1a277650a659f1b11e92a4a64275b128e037f2c3390e3c8fd2d8721dac9e2"
    assert oauth_hmac(params, "hush") == expected
    shopify.Session.secret = "hush"
    assert shopify.Session.calculate_hmac(params) == expected
    body = b'{"id":820982911946154508}'
    assert webhook_hmac(body, "hush") == "qBvrsZF7RfB1iS6BX6IHqJTp5L911P7intnPeTPsH0I="


def test_legacy_token_and_bad_token(sim):
    info = sim.info("acme")
    assert info.token.startswith("shpat_") and len(info.token) == 38
    assert call(info.graphql_url(), info.token).status_code == 200
    bad = call(info.graphql_url(), "shpat_" + "0" * 32)
    assert bad.status_code == 401 and bad.json() == INVALID


def test_client_credentials_and_oauth_flow(sim):
    info = sim.info("acme")
    token_url = f"{info.admin_url}/admin/oauth/access_token"
    grant = httpx.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": info.client_id,
            "client_secret": info.client_secret,
        },
    ).json()
    assert grant["expires_in"] == 86399 and "read_orders" in grant["scope"].split(",")
    assert call(info.graphql_url(), grant["access_token"]).status_code == 200
    wrong = httpx.post(
        token_url,
        json={
            "grant_type": "client_credentials",
            "client_id": info.client_id,
            "client_secret": "nope",
        },
    )
    assert wrong.status_code == 400

    redirect = httpx.get(
        f"{info.admin_url}/admin/oauth/authorize",
        params={
            "client_id": info.client_id,
            "scope": "read_orders,read_products",
            "redirect_uri": "https://xeno.example/callback",
            "state": "nonce-1",
        },
    )
    assert redirect.status_code == 302
    params = dict(parse_qsl(urlsplit(redirect.headers["Location"]).query))
    assert params["state"] == "nonce-1" and params["shop"] == "acme.myshopify.com"
    shopify.Session.secret = info.client_secret
    assert shopify.Session.validate_params(params)
    shopify.Session.secret = "wrong"
    assert not shopify.Session.validate_hmac(params)

    exchanged = httpx.post(
        token_url,
        json={
            "client_id": info.client_id,
            "client_secret": info.client_secret,
            "code": params["code"],
            "expiring": 1,
        },
    ).json()
    assert exchanged["expires_in"] == 3600 and exchanged["refresh_token"]
    assert exchanged["scope"] == "read_orders,read_products"
    assert call(info.graphql_url(), exchanged["access_token"]).status_code == 200
    refresh = {
        "client_id": info.client_id,
        "client_secret": info.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": exchanged["refresh_token"],
    }
    rotated = httpx.post(token_url, data=refresh).json()
    assert rotated["refresh_token"] != exchanged["refresh_token"]
    assert call(info.graphql_url(), rotated["access_token"]).status_code == 200
    assert httpx.post(token_url, data=refresh).status_code == 400  # old refresh token is spent


def test_expired_tokens_get_401():
    with run_simulator(["tiny:orders=10,customers=5,products=3"], token_ttl=0.5) as sim:
        info = sim.info("tiny")
        grant = httpx.post(
            f"{info.admin_url}/admin/oauth/access_token",
            data={
                "grant_type": "client_credentials",
                "client_id": info.client_id,
                "client_secret": info.client_secret,
            },
        ).json()
        assert grant["expires_in"] == 0 or grant["expires_in"] <= 1
        assert call(info.graphql_url(), grant["access_token"]).status_code == 200
        time.sleep(0.6)
        response = call(info.graphql_url(), grant["access_token"])
        assert response.status_code == 401 and response.json() == INVALID
        assert call(info.graphql_url(), info.token).status_code == 200  # legacy never expires
