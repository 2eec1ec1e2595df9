"""The production container setup: docker-compose.yml and the Dockerfile."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"

SERVICES = {"postgres", "redis", "meilisearch", "app", "worker"}
REQUIRED_SECRETS = (
    "SESSION_SECRET",
    "DATA_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "LEDGER_SIGNING_KEY",
)
# Dummy values for every variable that compose requires, so that `config` can interpolate.
DUMMY_ENV = {
    "POSTGRES_PASSWORD": "dummy-postgres-password",
    "MEILI_MASTER_KEY": "dummy-meili-master-key",
    "SESSION_SECRET": "dummy-session-secret",
    "DATA_ENCRYPTION_KEYS": "k1:dummy",
    "BLIND_INDEX_KEY": "dummy",
    "LEDGER_SIGNING_KEY": "dummy",
}


def _compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict)
    return data


def _services() -> dict[str, dict[str, Any]]:
    services = _compose()["services"]
    assert isinstance(services, dict)
    return services


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(key): str(value) for key, value in env.items()}


def _command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def _volume_targets(service: dict[str, Any]) -> dict[str, str]:
    """Mount target -> source for the service's volumes (short or long syntax)."""
    targets = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            targets[volume["target"]] = volume.get("source", "")
        else:
            source, target = str(volume).split(":")[:2]
            targets[target] = source
    return targets


# --- docker-compose.yml, parsed -------------------------------------------------------------


def test_compose_defines_the_five_services() -> None:
    assert set(_services()) >= SERVICES


def test_every_pulled_image_is_pinned_to_a_version() -> None:
    for name, service in _services().items():
        if "build" in service:
            continue
        image = service.get("image", "")
        assert ":" in image, f"{name}: image {image!r} has no tag"
        tag = image.rsplit(":", 1)[1]
        assert tag != "latest", f"{name}: image {image!r} is not pinned"
        assert re.search(r"\d", tag), f"{name}: image tag {tag!r} names no version"


def test_app_is_built_from_the_repository() -> None:
    assert _services()["app"]["build"] in (".", {"context": "."})


def test_stateful_services_and_app_have_healthchecks() -> None:
    services = _services()
    for name in ("postgres", "redis", "meilisearch", "app"):
        check = services[name].get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name}'s healthcheck is disabled"
        assert check.get("test"), f"{name}'s healthcheck has no test"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in " ".join(services["redis"]["healthcheck"]["test"])
    assert "/health" in " ".join(services["meilisearch"]["healthcheck"]["test"])
    assert "/health/ready" in " ".join(services["app"]["healthcheck"]["test"])


def test_app_and_worker_wait_for_healthy_postgres_and_redis() -> None:
    services = _services()
    for name in ("app", "worker"):
        depends_on = services[name].get("depends_on")
        assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions"
        for dependency in ("postgres", "redis"):
            assert depends_on.get(dependency, {}).get("condition") == "service_healthy", (
                f"{name} does not wait for a healthy {dependency}"
            )
    assert services["app"]["depends_on"]["meilisearch"]["condition"] == "service_healthy"


def test_app_migrates_before_serving_and_worker_runs_the_worker() -> None:
    services = _services()
    command = _command_text(services["app"])
    assert "aidbridge migrate" in command
    assert "aidbridge serve" in command
    assert command.index("aidbridge migrate") < command.index("aidbridge serve")
    assert "&&" in command, "serve must not start when migrate fails"
    assert _command_text(services["worker"]) == "aidbridge worker"


def test_production_secrets_are_required_variables() -> None:
    for name in ("app", "worker"):
        env = _environment(_services()[name])
        assert env["ENVIRONMENT"] == "production"
        for secret in REQUIRED_SECRETS:
            assert secret in env, f"{name}: {secret} is missing"
            assert env[secret].startswith(f"${{{secret}:?"), (
                f"{name}: {secret} must be a required ${{{secret}:?...}} variable"
            )
            assert env[secret].endswith("}")
        assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["MEILI_URL"] == "http://meilisearch:7700"


def test_required_variable_syntax_is_well_formed() -> None:
    """Every `${` closes on the same line and names a variable compose can read."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for start in (match.start() for match in re.finditer(r"\$\{", text)):
        line_end = text.find("\n", start)
        closing = text.find("}", start)
        assert closing != -1 and closing < line_end, f"unclosed ${{ at offset {start}"
        assert re.match(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?].*)?\}", text[start : closing + 1])


def test_meilisearch_runs_in_production_with_a_required_master_key() -> None:
    env = _environment(_services()["meilisearch"])
    assert env["MEILI_ENV"] == "production"
    assert env["MEILI_MASTER_KEY"].startswith("${MEILI_MASTER_KEY:?")


def test_data_lives_on_named_volumes() -> None:
    compose = _compose()
    declared = set(compose.get("volumes") or {})
    services = compose["services"]
    expected = {
        "postgres": "/var/lib/postgresql/data",
        "redis": "/data",
        "meilisearch": "/meili_data",
        "app": "/app/var",
    }
    for name, target in expected.items():
        mounts = _volume_targets(services[name])
        assert target in mounts, f"{name}: nothing mounted on {target}"
        assert mounts[target] in declared, f"{name}: volume {mounts[target]!r} is not declared"


def test_services_restart_unless_stopped() -> None:
    for name, service in _services().items():
        assert service.get("restart") == "unless-stopped", f"{name} does not restart"


# --- docker compose itself ------------------------------------------------------------------


def _docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def test_docker_compose_config_accepts_the_file() -> None:
    if not _docker_compose_available():
        pytest.skip("`docker compose version` fails: the docker compose plugin is not installed")
    env = {**os.environ, **DUMMY_ENV}
    result = subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


# --- Dockerfile -----------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    instructions = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _final_stage() -> list[tuple[str, str]]:
    instructions = _dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def test_dockerfile_builds_on_python_311_slim() -> None:
    for keyword, arguments in _dockerfile_instructions():
        if keyword == "FROM":
            assert arguments.split()[0] == "python:3.11-slim"


def test_dockerfile_installs_with_the_constraint_file() -> None:
    runs = [args for keyword, args in _dockerfile_instructions() if keyword == "RUN"]
    installs = [args for args in runs if "pip install" in args]
    assert installs, "no pip install"
    assert any("--constraint requirements.lock" in args for args in installs)
    for args in installs:
        assert "--editable" not in args and " -e " not in args
        assert "[dev]" not in args


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = [args for keyword, args in _final_stage() if keyword == "USER"]
    assert users, "the final stage has no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_has_a_healthcheck_and_serves_on_8000() -> None:
    final = _final_stage()
    healthchecks = [args for keyword, args in final if keyword == "HEALTHCHECK"]
    assert healthchecks and "/health/live" in healthchecks[-1]
    assert "urllib" in healthchecks[-1], "slim images have no curl"
    assert any(keyword == "EXPOSE" and "8000" in args for keyword, args in final)
    assert ("WORKDIR", "/app") in final
    commands = [args for keyword, args in final if keyword == "CMD"]
    assert commands
    assert commands[-1].index("aidbridge migrate") < commands[-1].index("aidbridge serve")
    assert any(keyword == "ENV" and "VAR_DIR=/app/var" in args for keyword, args in final)
