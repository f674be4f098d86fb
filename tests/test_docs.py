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


def _architecture_section() -> str:
    start = README.index("## Architecture")
    end = README.index("\n## ", start + 1)
    return README[start:end]


def _packages() -> list[str]:
    """Every package of ours: top-level folders with an __init__.py, and their subpackages."""
    tops = [d for d in ROOT.iterdir() if (d / "__init__.py").is_file() and d.name != "tests"]
    inits = [init for top in tops for init in top.rglob("__init__.py")]
    return sorted(init.parent.relative_to(ROOT).as_posix() for init in inits)


def test_the_architecture_section_names_every_package() -> None:
    section = _architecture_section()
    packages = _packages()
    assert {"ingest", "auth", "crm", "qa", "coaching", "sales", "api/routes"} <= set(packages)
    assert [p for p in packages if f"{p}/" not in section] == []


def test_the_readme_permission_table_is_the_one_in_the_code() -> None:
    from auth.permissions import ACTIONS

    roles = ("admin", "manager", "rep", "qa")
    for action in ACTIONS:
        scopes = " | ".join(str(action.may.get(role, "–")) for role in roles)
        assert f"| `{action.key}` | {action.summary} | {scopes} |" in README, action.key
