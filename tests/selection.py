"""The suite's own rules for which tests run, loaded for every run (pyproject.toml: -p):

- in CI (CI=true, which .ci/run sets) a skipped test fails, naming what was missing (a server,
  a browser, the dev set): a green CI run means every test ran. Locally a skip stays a skip,
  listed at the end of the run (-ra);
- the PostgreSQL pass (HUASHU_TEST_DATABASE_URL set) runs only the tests whose database can be
  PostgreSQL: those that ask for `database_url` (directly or through `settings`, `services`,
  `client`…). The rest open their own SQLite files or servers and would only run again.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

__all__ = ["in_ci"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("HUASHU_TEST_DATABASE_URL"):
        return
    selected = [item for item in items if "database_url" in getattr(item, "fixturenames", ())]
    deselected = [item for item in items if item not in selected]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true and this test was skipped, which CI does not allow: {reason}"
    return report
