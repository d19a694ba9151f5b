# syntax=docker/dockerfile:1
# Web stage: build the single-page app with Node; only its static output reaches the runtime.
FROM node:20-bookworm-slim AS web
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npx vite build

# Build stage: resolve and install the dependencies into a virtual environment.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY app ./app
# Install the project to pull in its dependencies, then drop the project itself: the runtime
# stage runs the source tree, which also carries the questionnaires and the migrations.
RUN /opt/venv/bin/pip install . && /opt/venv/bin/pip uninstall -y ai-assessment-service

# Runtime stage: no build tools, a non-root user, migrations then uvicorn.
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/srv/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_DATABASE_URL=sqlite:////srv/data/app.db \
    APP_EVIDENCE_DIR=/srv/data/evidence
RUN groupadd --system app && useradd --system --gid app --home-dir /srv/app app \
    && mkdir -p /srv/data && chown app:app /srv/data
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/app
COPY --chown=app:app alembic.ini ./
COPY --chown=app:app app ./app
COPY --chown=app:app migrations ./migrations
COPY --chown=app:app questionnaires ./questionnaires
COPY --from=web --chown=app:app /src/web/dist ./web/dist
USER app
EXPOSE 8000
VOLUME ["/srv/data"]
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
# `serve` applies the migrations (a no-op when at head), creates the first admin key on an empty
# database (printed once to the log), then serves with WEB_CONCURRENCY worker processes (their
# metrics added up). Forwarded headers are believed only from the proxies in
# APP_TRUSTED_PROXIES (the app's own middleware), never by uvicorn's default.
CMD ["sh", "-c", "exec python -m app serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-1}"]
