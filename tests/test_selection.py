"""The suite's own selection rules (tests/selection.py), run on throw-away test files."""

from __future__ import annotations

import pytest

SKIPPING = """
import pytest

def test_needs_a_server():
    pytest.skip("no redis-server on this machine")

@pytest.mark.skipif(True, reason="Debian's chromium is not installed")
def test_needs_a_browser():
    pass

@pytest.mark.xfail(reason="a known bug")
def test_known_bug():
    assert False

def test_plain():
    pass
"""


def test_in_ci_a_skipped_test_fails_and_names_what_was_missing(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(SKIPPING)
    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest("-p", "tests.selection")
    result.assert_outcomes(passed=1, failed=1, errors=1, xfailed=1)
    result.stdout.fnmatch_lines(["*CI=true*skipped*no redis-server on this machine*"])
    result.stdout.fnmatch_lines(["*CI=true*skipped*chromium is not installed*"])


def test_outside_ci_a_skip_is_a_skip_listed_at_the_end(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(SKIPPING)
    monkeypatch.delenv("CI", raising=False)
    result = pytester.runpytest("-p", "tests.selection", "-ra")
    result.assert_outcomes(passed=1, skipped=2, xfailed=1)
    result.stdout.fnmatch_lines(["SKIPPED*no redis-server on this machine"])


def test_the_postgresql_pass_runs_only_what_can_use_postgresql(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def database_url():
            return None

        @pytest.fixture
        def services(database_url):
            return database_url

        def test_on_the_database(services):
            pass

        def test_pure():
            pass
        """
    )
    monkeypatch.setenv("HUASHU_TEST_DATABASE_URL", "postgresql://example/postgres")
    result = pytester.runpytest("-p", "tests.selection", "-v")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*test_on_the_database PASSED*"])
