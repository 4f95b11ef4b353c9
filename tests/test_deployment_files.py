"""docker-compose.yml cannot be run here (no Docker engine), so its shape is checked instead."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_whole_stack_with_healthchecks():
    services = _compose()["services"]

    assert {"postgres", "redis", "web", "worker", "beat", "simulator"} <= set(services)
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in services["web"]["command"]


def test_compose_commits_no_secret_values():
    text = (ROOT / "docker-compose.yml").read_text()

    for variable in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "POSTGRES_PASSWORD"):
        assert f"${{{variable}:?" in text, f"{variable} must come from the environment"


def test_env_example_documents_every_setting_read_from_the_environment():
    settings_source = (ROOT / "xeno" / "settings.py").read_text()
    documented = (ROOT / ".env.example").read_text()
    import re

    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings_source))
    assert read, "no environment variables found in settings"
    missing = {name for name in read if name not in documented}
    assert not missing, f".env.example does not mention {sorted(missing)}"
