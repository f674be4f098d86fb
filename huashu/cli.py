"""The `huashu` command: serve, transcribe, ingest, token."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from fastapi import FastAPI
from pydantic import ValidationError
from sqlalchemy import select
from tqdm import tqdm

from asr import FORMATS, ASRError, ChannelLayout, render
from auth.accounts import AccountIn, create_account, list_accounts, reset_password
from auth.principal import Principal
from auth.tokens import create_token, list_tokens, revoke_token
from core.errors import HuashuError
from core.logs import setup_logging
from huashu.doctor import run_checks
from huashu.runtime import (
    FIRST_ADMIN_FILE,
    Services,
    StartupError,
    build_analyzer,
    build_app,
    build_celery_jobs,
    build_transcriber,
    build_worker,
    celery_worker_argv,
    ensure_first_admin_file,
    lock_worker,
    model_label,
    open_services,
    run_celery_worker,
)
from huashu.seed import seed_accounts, seed_demo
from huashu.settings import Settings, describe_errors
from ingest.call_analysis import AnalyzerHolder
from ingest.calls import CallMetadata, IntakeRules
from ingest.folder import FileOutcome, Outcome, find_files, ingest_folder
from models import Rep, Role, Team, session_scope
from worker.celery_app import QUEUES

T = TypeVar("T")

# Whoever runs the CLI on the server acts as the system: they could read the database anyway.
CLI = Principal.system("cli")
app = typer.Typer(
    help="Huashu 话术: speech analytics for Mandarin sales calls.", no_args_is_help=True
)
token_app = typer.Typer(help="Create, list and revoke API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
user_app = typer.Typer(help="User accounts that sign in to the web UI.", no_args_is_help=True)
app.add_typer(user_app, name="user")

ChannelsOption = Annotated[
    ChannelLayout,
    typer.Option("--channels", help="mono, rep-left or rep-right (stereo call recordings)."),
]


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        for line in describe_errors(exc):
            typer.echo(f"invalid setting {line}", err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Serve the API only; another process transcribes.")
    ] = False,
) -> None:
    """Start the HTTP API and the background worker (one worker per data folder). With
    HUASHU_BROKER_URL set, jobs go to Celery workers (`huashu worker`) instead, and any number
    of API processes may serve one database."""
    import uvicorn

    settings = _settings()
    _log_setup(settings)
    services = _or_exit(lambda: open_services(settings))
    if (first := ensure_first_admin_file(services)) is not None:
        typer.echo(
            f"First start: sign in at http://{host}:{port}/ui/sign-in as '{first.login}' with the "
            f"password in {first.password_file} (change it under 修改密码 once signed in)",
            err=True,
        )
    analyzer = build_analyzer(settings)
    analyzer.warm_up()  # jieba and the classifiers load in the background while we start
    if settings.broker_url:
        app_ = build_app(services, build_celery_jobs(services), model_label(settings), analyzer)
    elif no_worker:
        app_ = build_app(services, None, model_label(settings), analyzer)
    else:
        lock = _or_exit(lambda: lock_worker(settings))  # noqa: F841 (held while we run)
        app_ = _app_with_worker(services, analyzer)
    # The app reads X-Forwarded-For itself, from HUASHU_TRUSTED_PROXIES only: uvicorn's own
    # reading would believe any local process (127.0.0.1) that claims to be a proxy.
    uvicorn.run(app_, host=host, port=port, log_config=None, proxy_headers=False)


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once (processes).")] = 1,
    queues: Annotated[
        str, typer.Option(help="Queues to take jobs from, in order of priority.")
    ] = ",".join(QUEUES),
    pool: Annotated[str, typer.Option(help="prefork (processes), threads or solo.")] = "prefork",
) -> None:
    """Run jobs from the broker (HUASHU_BROKER_URL) on this machine; GPU machines run the same
    command with HUASHU_WHISPER_DEVICE=cuda. Start as many as you like, anywhere."""
    settings = _settings()
    _log_setup(settings)
    if not settings.broker_url:
        typer.echo("error: HUASHU_BROKER_URL: `huashu worker` needs a broker (redis://…)", err=True)
        raise typer.Exit(1)
    services = _or_exit(lambda: open_services(settings))
    transcriber = _or_exit(lambda: build_transcriber(settings))
    _or_exit(transcriber.load)  # the model is read before the worker takes its first job
    celery = run_celery_worker(services, transcriber)
    celery.worker_main(celery_worker_argv(concurrency, queues, pool))


def _sender(services: Services) -> Callable[[int, str], None] | None:
    """With a broker, hand each added call's job to it at once (the reconciler of a running
    API or worker catches any it misses); without one, `huashu serve` polls the database."""
    if not services.settings.broker_url:
        return None
    jobs = build_celery_jobs(services)

    def send(job_id: int, kind: str) -> None:
        jobs.send(job_id, kind)

    return send


def _log_setup(settings: Settings) -> None:
    setup_logging(settings.log_format)


def _app_with_worker(services: Services, analyzer: AnalyzerHolder) -> FastAPI:
    transcriber = _or_exit(lambda: build_transcriber(services.settings))
    _or_exit(transcriber.load)
    worker = build_worker(services, transcriber, analyzer)
    return build_app(services, worker, transcriber.model_name, analyzer)


@app.command()
def doctor() -> None:
    """Check the database, the model, the broker and the audio store; one line each, and exit
    status 1 when something is wrong."""
    results = run_checks(_settings())
    for check in results:
        typer.echo(f"{'ok  ' if check.ok else 'FAIL'} {check.part}: {check.detail}")
    if not all(check.ok for check in results):
        raise typer.Exit(1)


@app.command()
def transcribe(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Recording to transcribe.")
    ],
    channels: ChannelsOption = ChannelLayout.MONO,
    fmt: Annotated[str, typer.Option("--format", help="json, txt or srt.")] = "txt",
) -> None:
    """Transcribe one file locally and print the transcript (progress on stderr)."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    transcriber = _or_exit(lambda: build_transcriber(_settings()))
    with tqdm(
        total=100, unit="%", file=sys.stderr, desc=file.name, bar_format="{l_bar}{bar}| {n:.0f}%"
    ) as bar:

        def on_progress(fraction: float) -> None:
            bar.update(round(fraction * 100, 1) - bar.n)

        transcript = _or_exit(lambda: transcriber.transcribe(file, channels, on_progress))
    typer.echo(render(transcript, fmt))


@app.command()
def ingest(
    directory: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Folder of recordings.")
    ],
    rep: Annotated[str | None, typer.Option(help="Rep who made these calls.")] = None,
    channels: ChannelsOption = ChannelLayout.MONO,
) -> None:
    """Add every audio file of a folder to the local store; duplicates are skipped."""
    settings = _settings()
    services = _or_exit(lambda: open_services(settings))
    files = find_files(directory)
    with tqdm(total=len(files), unit="file", file=sys.stderr) as bar:

        def on_file(outcome: FileOutcome) -> None:
            bar.update(1)
            if outcome.outcome is Outcome.REJECTED:
                tqdm.write(f"rejected {outcome.path}: {outcome.reason}", file=sys.stderr)

        report = ingest_folder(
            services.session_factory,
            services.store,
            directory,
            CallMetadata(channels=channels, rep=rep),
            CLI,
            max_bytes=settings.max_upload_bytes,
            rules=IntakeRules(
                settings.job_max_attempts, settings.max_call_seconds, _sender(services)
            ),
            on_file=on_file,
        )
    counts = {o: len(report.of(o)) for o in Outcome}
    typer.echo(
        f"{counts[Outcome.ADDED]} added, {counts[Outcome.DUPLICATE]} duplicate, "
        f"{counts[Outcome.REJECTED]} rejected. `huashu serve` transcribes the added calls."
    )


@app.command()
def seed(
    year: Annotated[
        int, typer.Option(help="Year the demo opportunities and calls fall in.")
    ] = 2026,
) -> None:
    """Fill an empty database with the documented demo data set (ingest/seed.py)."""
    settings = _settings()
    services = _or_exit(lambda: open_services(settings))
    with session_scope(services.session_factory) as session:
        if session.scalar(select(Team.id).limit(1)) is not None:
            typer.echo(
                "error: the database already has teams; the demo data goes into an empty one",
                err=True,
            )
            raise typer.Exit(1)
        counts = seed_demo(session, year, settings.funnel)
        accounts = seed_accounts(session)
        teams = {t.id: t.name for t in session.scalars(select(Team).order_by(Team.id))}
        reps = [(r.id, r.name, teams.get(r.team_id or 0, "-")) for r in session.scalars(
            select(Rep).order_by(Rep.id))]  # fmt: skip
    first = ensure_first_admin_file(services)
    typer.echo(", ".join(f"{n} {what}" for what, n in counts.items()))
    typer.echo("Teams: " + ", ".join(f"{name} (id {i})" for i, name in teams.items()))
    typer.echo("Reps:  " + ", ".join(f"{name} (id {i}, {team})" for i, name, team in reps))
    typer.echo("\nDemo accounts (passwords are shown only now):")
    for account in accounts:
        typer.echo(f"  {account.login:<10} {account.password}  {account.name} ({account.role})")
    typer.echo(
        "\nNext steps:\n"
        "  1. make serve (or: huashu serve), then open http://127.0.0.1:8000/ui/sign-in\n"
        "  2. sign in as manager to see the team dashboard (团队看板), targets and CRM records,\n"
        "     or as wanglei for a rep's own calls; the admin account's password is in "
        f"{first.password_file if first else settings.data_dir / FIRST_ADMIN_FILE}\n"
        f"  3. the demo calls are in {year} (set the dashboards' period to that year); they have\n"
        "     transcripts and analyses but no recordings (无录音)"
    )


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who or what uses the token.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(Role.ALL)}.")] = Role.ADMIN,
    rep_id: Annotated[
        int | None, typer.Option(help="For --role rep: the rep record this user is.")
    ] = None,
    team_id: Annotated[
        int | None, typer.Option(help="For --role manager: the team they lead.")
    ] = None,
) -> None:
    """Create a user with a role and print their token (only its hash is stored)."""
    services = open_services(_settings())
    with session_scope(services.session_factory) as session:
        row, token = _or_exit(
            lambda: create_token(session, name, role, CLI, rep_id=rep_id, team_id=team_id)
        )
        typer.echo(f"token {row.id} ({row.role}) for {row.name}:", err=True)
    typer.echo(token)


@token_app.command("list")
def token_list() -> None:
    """List tokens (never the tokens themselves)."""
    services = open_services(_settings())
    with session_scope(services.session_factory) as session:
        for row in list_tokens(session, CLI):
            state = "revoked" if row.revoked_at else "active"
            rep = f"rep {row.rep_id} {row.rep}" if row.rep_id is not None else "no rep"
            team = f"team {row.team_id} {row.team}" if row.team_id is not None else "no team"
            typer.echo(f"{row.id}\t{row.name}\t{row.role}\t{state}\t{rep}\t{team}\t"
                       f"created {row.created_at:%Y-%m-%d}")  # fmt: skip


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id from `token list`.")],
) -> None:
    """Revoke a token; requests with it are refused from now on."""
    services = open_services(_settings())
    with session_scope(services.session_factory) as session:
        row = _or_exit(lambda: revoke_token(session, token_id, CLI))
        typer.echo(f"revoked token {row.id} ({row.name})")


@user_app.command("create")
def user_create(
    login: Annotated[str, typer.Option(help="The login name they sign in with.")],
    name: Annotated[str, typer.Option(help="Their name as pages show it.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(Role.ALL)}.")] = Role.REP,
    rep_id: Annotated[int | None, typer.Option(help="For --role rep: their rep record.")] = None,
    team_id: Annotated[int | None, typer.Option(help="For --role manager: their team.")] = None,
    phone: Annotated[str | None, typer.Option(help="May sign in with it instead.")] = None,
    email: Annotated[str | None, typer.Option(help="May sign in with it instead.")] = None,
) -> None:
    """Create a user who signs in to the web UI; prints their generated password once."""
    account = AccountIn(name, role, login, phone, email, rep_id, team_id)
    services = open_services(_settings())
    with session_scope(services.session_factory) as session:
        user, password = _or_exit(lambda: create_account(session, account, CLI))
        typer.echo(f"user {user.id} ({user.role}) {user.login}; password:", err=True)
    typer.echo(password)


@user_app.command("list")
def user_list() -> None:
    """List users: id, login, name, role, rep, team, active or disabled."""
    services = open_services(_settings())
    with session_scope(services.session_factory) as session:
        for user in list_accounts(session, CLI):
            state = "active" if user.active else "disabled"
            typer.echo(f"{user.id}\t{user.login or '-'}\t{user.name}\t{user.role}\t"
                       f"rep {user.rep_id or '-'}\tteam {user.team_id or '-'}\t{state}")  # fmt: skip


@user_app.command("reset-password")
def user_reset_password(
    user_id: Annotated[int, typer.Argument(help="The user's id from `user list`.")],
) -> None:
    """Give a user a new generated password (printed once) and sign out their browsers."""
    services = open_services(_settings())
    with session_scope(services.session_factory) as session:
        password = _or_exit(lambda: reset_password(session, user_id, CLI))
    typer.echo(password)


def _or_exit(action: Callable[[], T]) -> T:
    """Run `action`; a known error becomes a one-line message and exit code 1, not a traceback."""
    try:
        return action()
    except (HuashuError, ASRError, StartupError) as exc:
        typer.echo(f"error: {getattr(exc, 'message', exc)}", err=True)
        raise typer.Exit(1) from None


if __name__ == "__main__":
    app()
