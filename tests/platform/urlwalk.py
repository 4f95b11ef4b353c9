"""Every URL pattern of an URLconf, as a concrete path with its keyword arguments filled in.

Walking the resolver (not a hand-kept list) means a URL added anywhere is covered at once.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^)]*)\)")


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "api/tenants/<int:tenant_id>/users"
    name: str | None
    segments: tuple  # (kind, text) pairs, kind "route" or "regex"

    def path(self, fill: Callable[[str, str], str]) -> str:
        """A concrete path; fill(converter, name) gives each parameter's value."""
        parts = []
        for kind, text in self.segments:
            if kind == "route":
                parts.append(
                    _ROUTE_PARAM.sub(
                        lambda m: fill(m.group("converter") or "str", m.group("name")), text
                    )
                )
            else:
                parts.append(_regex_sample(text, fill))
        return "/" + "".join(parts)


def _regex_sample(regex: str, fill) -> str:
    def group(match):
        body = match.group("body")
        if "|" in body and not any(ch in body for ch in "[]*+\\"):
            return body.split("|")[0]
        converter = "int" if body in (r"\d+", "[0-9]+") else "str"
        return fill(converter, match.group("name"))

    sample = _REGEX_GROUP.sub(group, regex)
    sample = sample.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    return sample.replace("/?", "/").replace("\\", "")


def routes(urlconf: str) -> list[Route]:
    return list(_walk(get_resolver(urlconf).url_patterns, ()))


def _walk(patterns, prefix: tuple) -> Iterator[Route]:
    for pattern in patterns:
        segment = _segment(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, (*prefix, segment))
        elif isinstance(pattern, URLPattern):
            segments = (*prefix, segment)
            yield Route("".join(text for _k, text in segments), pattern.name, segments)


def _segment(pattern) -> tuple[str, str]:
    if isinstance(pattern, RoutePattern):
        return ("route", str(pattern))
    assert isinstance(pattern, RegexPattern), pattern
    return ("regex", pattern.regex.pattern)
