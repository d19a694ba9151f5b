"""The command line run inside the test process: the parser and the commands of `python -m app`,
without starting an interpreter for every call. tests/test_cli.py also starts it as a real
process, the way an operator does."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout

from app.__main__ import main
from app.settings import get_settings
from tests.conftest import project_root


def run_process(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m app <args>` in a process of its own, on the given database."""
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=project_root(),
        env={**os.environ, "APP_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_cli(
    database_url: str, *args: str, env: Mapping[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m app <args>` run in this process: its exit status and what it printed.

    `env` sets environment variables for the call (None removes one); the settings are read anew.
    """
    out, err = io.StringIO(), io.StringIO()
    with (
        _environment({"APP_DATABASE_URL": database_url, **(env or {})}),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        try:
            status = main(list(args))
        except SystemExit as exit_:  # argparse refusing the arguments
            status = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(["app", *args], status, out.getvalue(), err.getvalue())


@contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            _set(name, value)
        get_settings.cache_clear()
        yield
    finally:
        for name, value in saved.items():
            _set(name, value)
        get_settings.cache_clear()


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
