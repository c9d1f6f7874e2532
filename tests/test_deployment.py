"""The deployment files hang together: compose parses, every command exists, production is strict."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"postgres", "redis", "web", "worker", "beat", "mailcatcher"}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_declares_every_service():
    assert set(_compose()["services"]) == SERVICES


def test_every_app_command_exists_in_the_project():
    services = _compose()["services"]
    web, worker, beat = (
        services["web"]["command"],
        services["worker"]["command"],
        services["beat"]["command"],
    )

    assert web == ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
    assert (ROOT / "config" / "wsgi.py").exists()
    assert f"CMD {json.dumps(web)}" in (ROOT / "Dockerfile").read_text()
    assert worker[:4] == ["celery", "-A", "config", "worker"]
    assert beat[:4] == ["celery", "-A", "config", "beat"]
    assert (ROOT / "config" / "celery_app.py").exists()
    assert os.access(ROOT / "bin" / "docker-entrypoint", os.X_OK)
    assert 'ENTRYPOINT ["bin/docker-entrypoint"]' in (ROOT / "Dockerfile").read_text()
    for name in ("web", "worker", "beat"):
        assert services[name]["build"] == "."


def test_the_web_server_uses_threaded_workers_configured_from_the_environment(monkeypatch):
    """A sync worker is killed after `timeout` seconds whatever it does: a minute-long export
    would die with it. Threads keep the worker answering the arbiter."""
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "300")
    settings = runpy.run_path(str(ROOT / "config" / "gunicorn.py"))

    assert settings["worker_class"] == "gthread"
    assert (settings["workers"], settings["timeout"], settings["threads"]) == (5, 300, 4)


def test_app_containers_get_the_environment_settings_read():
    environment = _compose()["services"]["worker"]["environment"]
    for variable in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "ALLOWED_HOSTS"):
        assert variable in environment
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={"SECRET_KEY": "k" * 20 + "a-long-random-production-secret-0123456789"},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env={"SECRET_KEY": ""})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_every_setting_in_dotenv_reaches_the_app_containers():
    services = _compose()["services"]
    for name in ("web", "worker", "beat"):
        assert {"path": ".env", "required": False} in services[name]["env_file"], name


def test_the_image_leaves_out_local_state_and_secrets():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".env", ".venv", "var", "test-artifacts", ".git"):
        assert path in ignored


def test_with_redis_every_process_shares_one_cache(monkeypatch):
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        env={
            "SECRET_KEY": "k" * 20 + "a-long-random-production-secret-0123456789",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("RedisCache")
