"""docker compose for a cluster: Redis, PostgreSQL, migrate, 1 planner, N workers; its
Dockerfile and the environment files holding the secrets."""

from __future__ import annotations

import json

from diaryflow.schedule.deploy.cluster_install import ClusterInstall
from diaryflow.schedule.deploy.cluster_units import PLANNER_STOP_SECONDS, WORKER_STOP_SECONDS

IMAGE = "diaryflow-cluster:local"
ENV_FILE = "cluster.env"
POSTGRES_ENV_FILE = "postgres.env"
FERNET_KEY_COMMAND = ("python -c 'from cryptography.fernet import Fernet; "
                      "print(Fernet.generate_key().decode())'")


def env_template(database_host: str, broker_host: str) -> str:
    """The environment file of the planner and workers, with placeholders for the secrets."""
    return f"""\
# diaryflow cluster: connections and secrets of the planner and the workers. Mode 0600; never
# put these values in a unit or a compose file. They win over [cluster] in cluster.toml.
# A password with @ : / or % in it is percent-encoded in the URL (@ is %40).
DIARYFLOW_DATABASE_URL=postgresql://diaryflow:CHANGE-ME@{database_host}:5432/diaryflow
DIARYFLOW_BROKER_URL=redis://{broker_host}:6379/0
# Fernet keys encrypting the tenants' tokens: comma-separated, the newest first (to rotate,
# put a new key in front and keep the old one until every tenant is sealed again). Make one:
#   {FERNET_KEY_COMMAND}
DIARYFLOW_SECRET_KEY=CHANGE-ME
# The cluster's model key, for tenants whose config has no [siliconflow] token (optional).
#SILICONFLOW_API_KEY=
"""


def postgres_env() -> str:
    """``postgres.env``: the database container's password, the one in the database URL."""
    return """\
# The PostgreSQL container's password: the same as in DIARYFLOW_DATABASE_URL (cluster.env).
POSTGRES_PASSWORD=CHANGE-ME
"""


def dockerfile() -> str:
    """The image of migrate, planner and workers: this checkout with the cluster extra."""
    return """\
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir '.[cluster]' \\
    && useradd --system --no-create-home --home-dir /app diaryflow
USER diaryflow
ENV PYTHONUNBUFFERED=1
ENTRYPOINT ["python", "-m", "diaryflow"]
"""


def _command(*args: str) -> str:
    # No --cluster-config: the image's working directory holds ./cluster.toml if mounted.
    return json.dumps(["cluster", *args])  # a JSON array is a YAML flow sequence


def compose_file(install: ClusterInstall) -> str:
    """``docker-compose.yml``: every service, its health and its order; secrets in env files."""
    return f"""\
# diaryflow cluster: Redis (queue, shared budgets), PostgreSQL (state), a one-shot schema
# migration, 1 planner and {install.workers} workers. Start: docker compose up -d --build
# Neither Redis nor PostgreSQL publishes a port: only these services reach them.
x-diaryflow: &diaryflow
  # Built from this checkout (no image is published): the code that runs is the code here.
  build: .
  image: {IMAGE}
  env_file: [{ENV_FILE}]
  # tini as PID 1: it passes SIGTERM to diaryflow and reaps the worker's children.
  init: true
  # [limits] of a cluster.toml (read from ./cluster.toml, the working directory /app):
  # volumes: ["./cluster.toml:/app/cluster.toml:ro"]

services:
  redis:
    image: redis:7
    command: ["redis-server", "--appendonly", "yes"]
    volumes: ["redis-data:/data"]
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 5s
      timeout: 3s
      retries: 20
    restart: unless-stopped

  postgres:
    image: postgres:16
    environment:
      POSTGRES_DB: diaryflow
      POSTGRES_USER: diaryflow
      # C collation: bytewise order, as SQLite's, stable across libc upgrades.
      POSTGRES_INITDB_ARGS: "--encoding=UTF8 --locale=C"
    env_file: [{POSTGRES_ENV_FILE}]
    volumes: ["postgres-data:/var/lib/postgresql/data"]
    healthcheck:
      # Over TCP: the temporary server of the first start's initdb listens on no port.
      test: ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", "diaryflow", "-d", "diaryflow"]
      interval: 5s
      timeout: 3s
      retries: 20
    restart: unless-stopped

  migrate:
    <<: *diaryflow
    command: {_command("migrate")}
    depends_on:
      postgres: {{condition: service_healthy}}
    restart: "no"

  planner:
    <<: *diaryflow
    command: {_command("plan")}
    # One is enough; a second (for availability) would create no duplicate run.
    deploy: {{replicas: 1}}
    depends_on: &ready
      postgres: {{condition: service_healthy}}
      redis: {{condition: service_healthy}}
      migrate: {{condition: service_completed_successfully}}
    stop_signal: SIGTERM
    stop_grace_period: {PLANNER_STOP_SECONDS}s
    restart: unless-stopped

  worker:
    <<: *diaryflow
    command: {_command(*install.worker_args)}
    deploy: {{replicas: {install.workers}}}
    depends_on: *ready
    # Warm shutdown: a worker finishes its running attempts; one still running after this
    # is killed and, acknowledged late, runs again on another worker from its checkpoints.
    stop_signal: SIGTERM
    stop_grace_period: {WORKER_STOP_SECONDS}s
    restart: unless-stopped

volumes:
  redis-data:
  postgres-data:
"""
