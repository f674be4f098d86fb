"""The README stays honest: every setting, CLI command and API route is documented, and the
first screen gives the two set-up commands that CI also uses."""

from __future__ import annotations

from pathlib import Path

import typer.main

from huashu.cli import app as cli_app
from huashu.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _cli_commands(group: typer.Typer, prefix: str = "huashu") -> list[str]:
    click_group = typer.main.get_command(group)
    names: list[str] = []
    for name, command in click_group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            names += [f"{prefix} {name} {sub}" for sub in command.commands]
        else:
            names.append(f"{prefix} {name}")
    return names


def test_every_setting_is_documented() -> None:
    missing = [
        f"HUASHU_{n.upper()}" for n in Settings.model_fields if f"HUASHU_{n.upper()}" not in README
    ]
    assert missing == []


def test_every_cli_command_is_documented() -> None:
    commands = _cli_commands(cli_app)
    assert "huashu token create" in commands and "huashu serve" in commands
    assert [c for c in commands if f"`{c}" not in README] == []


def test_every_api_route_is_documented(client) -> None:  # type: ignore[no-untyped-def]
    paths = client.app.openapi()["paths"]
    documented = [
        f"{method.upper()} {path}" for path, methods in paths.items() for method in methods
    ]
    assert len(documented) >= 7
    assert [d for d in documented if f"`{d}`" not in README] == []


def test_first_screen_has_the_two_commands_and_ci_uses_the_test_one() -> None:
    first_screen = "\n".join(README.splitlines()[:30])
    assert "make serve" in first_screen and "make test" in first_screen
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "set -euo pipefail" in ci
