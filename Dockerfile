# syntax=docker/dockerfile:1
# Partnerwijzer: docker build -t partnerwijzer .   (see README, "Deployment")
# tests/test_deploy_docker.py runs this file's pip install steps in a temporary venv.

# ---- builder: the project and its dependencies in a venv -------------------------------
FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md ./
COPY bot ./bot
# setup.py builds a copy of the knowledge into the package: `partnerbot ask` works in the
# image without --knowledge too. The default command below runs on /srv/partnerbot/knowledge.
COPY knowledge ./knowledge
# The 'teams' extra: the Teams app (Microsoft 365 Agents SDK) works in the image too.
RUN /opt/venv/bin/pip install --no-compile '.[teams]'

# ---- final: the venv, the knowledge, a non-root user ------------------------------------
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PARTNERBOT_CACHE_DIR=/var/lib/partnerbot/cache
RUN groupadd --system --gid 10001 partnerbot \
    && useradd --system --uid 10001 --gid partnerbot --home-dir /var/lib/partnerbot \
       --shell /usr/sbin/nologin partnerbot \
    && mkdir -p /var/lib/partnerbot /etc/partnerbot \
    && chown partnerbot:partnerbot /var/lib/partnerbot
COPY --from=builder /opt/venv /opt/venv
# The shipped knowledge; mount your own over it (read-only) to change it without a rebuild.
COPY knowledge /srv/partnerbot/knowledge
# Mount the config at /etc/partnerbot/config.yaml. Relative paths in it (storage.path,
# matrix.store_path) land in the volume: the store, the Matrix keys and the index cache.
WORKDIR /var/lib/partnerbot
VOLUME ["/var/lib/partnerbot"]
USER partnerbot
EXPOSE 8080
# Needs web.port 8080 (the default). python, because slim images have no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"]
STOPSIGNAL SIGTERM
CMD ["partnerbot", "run", "--config", "/etc/partnerbot/config.yaml", "--knowledge", "/srv/partnerbot/knowledge"]
