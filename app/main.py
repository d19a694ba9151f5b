"""The app factory: settings, database, catalog, error handling, routers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import __version__
from app.assessments import hooks as assessment_hooks
from app.assessments import queries as assessment_queries
from app.assessments.autosave import Autosave
from app.assessments.export_router import router as export_router
from app.assessments.exports import install_supplier_facts
from app.assessments.models import SubjectKind
from app.assessments.organization_router import router as organization_router
from app.assessments.router import router as assessments_router
from app.assessments.router import standing_router
from app.audit import service as audit
from app.audit.router import router as audit_router
from app.auth import get_credential, install_identity_store
from app.controls.router import router as controls_router
from app.counters.store import make_counters
from app.db import create_db_engine
from app.delivery.router import router as delivery_router
from app.delivery.worker import OutboxWorker, waiting
from app.docs import install_docs
from app.errors import install_error_handlers
from app.health import router as health_router
from app.incidents import service as incidents_service
from app.incidents.router import router as incidents_router
from app.logs import RequestIdMiddleware, configure_logging
from app.memory import limit_malloc_arenas, release_free_heap
from app.metrics import MetricsMiddleware
from app.metrics import router as metrics_router
from app.migrate import head_revisions
from app.openapi_doc import build_openapi
from app.organizations.router import router as keys_router
from app.oscal.router import router as oscal_router
from app.people.identity import PeopleIdentityStore
from app.people.limiter import SignInLimiter
from app.people.oidc import OidcProvider
from app.people.passwords import Passwords
from app.people.router import router as people_router
from app.portfolio import overdue
from app.portfolio.router import router as portfolio_router
from app.questionnaires.catalog import Catalog, load_catalog
from app.questionnaires.router import router as questionnaires_router
from app.request_guard import RequestGuardMiddleware
from app.route_prefixes import guard_included_routers
from app.settings import Settings, get_settings
from app.suppliers.portal import router as supplier_portal_router
from app.suppliers.report import supplier_facts, supplier_name
from app.suppliers.router import router as suppliers_router
from app.systems.router import router as systems_router
from app.text_guard import reject_unstorable_text
from app.web import install_web_app
from app.webhooks.docs import install_webhook_docs
from app.webhooks.router import router as webhooks_router

DESCRIPTION = """
AI risk and impact assessment service: EU AI Act classification, data governance, human
oversight, stakeholder impact and AI-supplier due diligence, scored by an explainable rule engine
into risk tiers, obligations and ISO/IEC 42001 / NIST AI RMF controls.

People sign in (`signIn`) and are then authenticated by the `__Host-aas_session` cookie; a
cookie-authenticated write must carry an `Origin` header of the service's own origin. Other
systems authenticate with `Authorization: Bearer <API key>` (a key wins over a cookie).
Errors are RFC 9457 problem details (`application/problem+json`). Writes to existing resources
need `If-Match` with the ETag.
"""


def _operation_id(route: APIRoute) -> str:
    return route.operation_id or route.name


def _install_state(app: FastAPI, settings: Settings, engine: Engine, catalog: Catalog) -> None:
    """What the routes read from the app: settings, engine, catalog and the process's helpers."""
    app.state.settings = settings
    audit.configure(engine, audit.CheckpointPolicy.of(settings))
    app.state.engine = engine
    app.state.catalog = catalog
    app.state.autosave = Autosave(engine, catalog, settings)
    app.state.migration_heads = head_revisions()
    app.state.outbox_waiting = waiting
    app.state.passwords = Passwords(
        time_cost=settings.argon2_time_cost, memory_kib=settings.argon2_memory_kib
    )
    app.state.counters = make_counters(engine, settings.rate_limit_redis_url)
    app.state.sign_in_limiter = SignInLimiter(
        app.state.counters,
        free=settings.sign_in_free_failures,
        max_delay=float(settings.sign_in_max_delay_seconds),
    )
    app.state.oidc = OidcProvider.from_settings(settings)
    install_identity_store(PeopleIdentityStore())
    install_supplier_facts(supplier_facts)
    assessment_queries.install_subject_name(SubjectKind.SUPPLIER, supplier_name())
    # An incident's triage facts follow its triage assessment's submissions.
    assessment_hooks.subscribe(incidents_service.triage_submitted)


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(
        RequestGuardMiddleware,
        max_bytes=settings.max_request_bytes,
        # Evidence streams to disk under its own limit (APP_EVIDENCE_MAX_BYTES).
        streamed_paths=frozenset({"/v1/supplier-portal/evidence"}),
    )
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware)
    trusted_proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    if trusted_proxies:
        # The client address (and the portal's per-address limit) comes from X-Forwarded-For
        # only when the peer is one of these proxies; uvicorn's own handling is turned off.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted_proxies)


def _lifespan(
    settings: Settings, engine: Engine, *, owns_engine: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What start-up built (compiled questionnaires, control catalog, routes) lives as long as
        # the process: keep it out of the garbage collector's full passes, which would walk it
        # all again and again and hold requests up for tens of milliseconds each time.
        gc.collect()
        gc.freeze()
        release_free_heap()
        limit_malloc_arenas()  # before the thread pool's threads start allocating
        worker: OutboxWorker | None = None
        if settings.outbox_worker_in_process:
            worker = OutboxWorker(engine, settings, jobs=[overdue.scan])
            app.state.outbox_worker = worker
            worker.start()
        yield
        if worker is not None:
            worker.stop()
        if owns_engine:
            engine.dispose()

    return lifespan


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    catalog: Catalog | None = None,
) -> FastAPI:
    """Build the application. Tests pass their own settings, engine and catalog.

    A questionnaire or control file that fails its checks raises `CatalogError` here, naming the
    file, the JSON pointer and the problem: the service does not start on bad content.
    """
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    loaded_catalog = catalog or load_catalog(settings.questionnaires_dir)
    db_engine = engine or create_db_engine(
        settings.database_url, pool_size=settings.db_pool_size, echo=settings.db_echo
    )

    app = FastAPI(
        title="AI Assessment Service",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan(settings, db_engine, owns_engine=engine is None),
        docs_url=None,  # served by install_docs, without a CDN
        redoc_url=None,
        generate_unique_id_function=_operation_id,
        dependencies=[Depends(reject_unstorable_text)],
    )
    _install_state(app, settings, db_engine, loaded_catalog)
    install_error_handlers(app)
    install_docs(app)
    install_webhook_docs(app)
    app.include_router(metrics_router)
    _install_middleware(app, settings)
    app.include_router(health_router)
    # A request without an API key or session cookie is refused before its route opens a
    # transaction: a write would otherwise take the write lock (SQLite) only to answer 401.
    api_key = [Depends(get_credential)]
    for router in (
        keys_router,
        systems_router,
        questionnaires_router,
        oscal_router,  # before the controls: /v1/controls/oscal-catalog is no control id
        controls_router,
        assessments_router,
        export_router,
        organization_router,
        standing_router,
        portfolio_router,
        audit_router,
        suppliers_router,
        incidents_router,
        delivery_router,
        webhooks_router,
    ):
        app.include_router(router, dependencies=api_key)
    app.include_router(supplier_portal_router)  # invitation tokens, not API keys
    app.include_router(people_router)  # sign-in is public; the rest authenticate per route
    install_web_app(app, settings.web_dir)  # last: its fallback answers what nothing else does
    guard_included_routers(app)  # once every router is in

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
