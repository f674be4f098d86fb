"""Schemathesis generates requests for every operation of the OpenAPI schema (valid and broken
ones) and sends them as an admin, with all its checks: no 5xx, every status, content type,
header and body as documented, invalid data refused and valid data accepted, a missing header
or an unsupported method answered as HTTP says, a deleted record gone. The data folder holds
the demo seed, so ids and reports hit real rows.

Driven by hand (operation by operation, with Hypothesis) rather than through schemathesis'
pytest plugin, which does not run under this pytest version."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, load_all_checks

from auth.throttle import FailureThrottle
from huashu.runtime import build_app, open_services
from huashu.seed import seed_demo
from huashu.settings import Settings
from ingest.call_analysis import AnalyzerHolder
from models import session_scope
from tests.conftest import ADMIN_TOKEN, AUTH

EXAMPLES_PER_OPERATION = int(os.environ.get("HUASHU_FUZZ_EXAMPLES", "12"))
load_all_checks()
# All of schemathesis' checks but one: "schema-valid data is accepted" cannot hold where a rule
# lies beyond what JSON Schema says (a date between 2000 and 2100 in a date-time string, `from`
# before `to`, an id that exists, an audio file that decodes): those are 422 by design.
ALL_CHECKS = [c for c in CHECKS.get_all() if c.__name__ != "positive_data_acceptance"]
HEADERS = {**AUTH, "Origin": "http://localhost"}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, analyzer: AnalyzerHolder) -> Iterator[Any]:
    folder: Path = tmp_path_factory.mktemp("fuzz") / "data"
    services = open_services(Settings(data_dir=folder, admin_token=ADMIN_TOKEN, _env_file=None))
    with session_scope(services.session_factory) as session:
        seed_demo(session, 2026, services.settings.funnel)
    app = build_app(services, None, "fake-whisper", analyzer)
    # Schemathesis sends wrong tokens on purpose (checking they are refused with 401): without
    # room the throttle would answer them 429 after ten, as it does for a guessing client.
    app.state.huashu = replace(app.state.huashu, sign_ins=FailureThrottle(1_000_000, 60.0))
    with TestClient(app):  # lifespan: the same app the server runs
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    services.engine.dispose()


def _check_operation(operation: Any) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck)
    )
    def each_case(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=HEADERS, checks=ALL_CHECKS)

    each_case()


def test_no_request_gets_a_server_error(api_schema: Any) -> None:
    failures, operations = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _check_operation(operation)
        except (Exception, BaseExceptionGroup) as exc:  # collect them all: every broken operation
            failures.append(f"{operation.label}: {str(exc)[:400]}")
    assert operations >= 70
    assert failures == [], "\n\n".join(failures)
