# AidBridge production image: the web app (default command) and the arq worker
# (`aidbridge worker`). See docker-compose.yml and the README's "Production" section.

# --- build: install AidBridge and its pinned dependencies into a virtual environment ---
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY backend ./backend
COPY matching ./matching
COPY search ./search
COPY admin ./admin
# Not editable and without the dev extras; requirements.lock pins every dependency.
RUN pip install --constraint requirements.lock . \
    && aidbridge --help >/dev/null

# --- runtime: the virtual environment only, run by an unprivileged user ---
FROM python:3.11-slim AS runtime

RUN groupadd --system --gid 10001 aidbridge \
    && useradd --system --uid 10001 --gid aidbridge --create-home \
        --home-dir /home/aidbridge --shell /usr/sbin/nologin aidbridge

COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    VAR_DIR=/app/var \
    LOG_JSON=true

WORKDIR /app
RUN mkdir -p /app/var && chown aidbridge:aidbridge /app/var
VOLUME ["/app/var"]

USER aidbridge

EXPOSE 8000

# slim images have no curl: probe liveness with the standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)"]

# Migrate, then serve; `exec` hands PID 1 to uvicorn so `docker stop` shuts it down cleanly.
CMD ["sh", "-c", "aidbridge migrate && exec aidbridge serve --host 0.0.0.0 --port 8000"]
