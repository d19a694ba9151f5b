"""Clients of the assessment tests: a writer and a reviewer, distinct keys of one organisation."""

from collections.abc import Callable

import httpx
import pytest

from app.auth import Scope

ClientFactory = Callable[[str | None], httpx.AsyncClient]


@pytest.fixture
def writer(make_client: ClientFactory, make_key: Callable[..., str]) -> httpx.AsyncClient:
    return make_client(make_key(Scope.ASSESSMENTS_WRITE, Scope.READ))


@pytest.fixture
def reviewer(make_client: ClientFactory, make_key: Callable[..., str]) -> httpx.AsyncClient:
    return make_client(make_key(Scope.ASSESSMENTS_REVIEW, Scope.READ))
