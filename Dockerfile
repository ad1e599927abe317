# Front-end assets come from npm, in a build stage; the image itself has no node.
FROM node:20-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
# Of the certificate font (source-sans) the image keeps the static TrueType files, which
# CERTIFICATE_FONT_DIR points at, and the SIL OFL licence that must travel with them; the
# OTF, variable and web formats (10 MB) stay out.
RUN npm ci --no-audit --no-fund \
    && find node_modules/source-sans -mindepth 1 -maxdepth 1 \
        ! -name TTF ! -name LICENSE.md ! -name package.json -exec rm -rf {} +

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 portal
WORKDIR /app
# Every package from the hashed runtime lock (`make lock`), then the project itself, built
# with the locked setuptools: nothing unpinned or unhashed is fetched.
COPY requirements/runtime.txt ./requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/runtime.txt
COPY pyproject.toml ./
COPY portal ./portal
COPY audit ./audit
COPY nominations ./nominations
COPY certification ./certification
COPY demo ./demo
RUN pip install --no-cache-dir --no-deps --no-build-isolation .
COPY . .
COPY --from=assets /app/node_modules ./node_modules
# Static files are collected with the production settings (DEBUG off), so the manifest that
# CompressedManifestStaticFilesStorage reads at run time exists; the secret and host are
# placeholders that exist only during this step. tests/production runs this very line.
RUN DEBUG=1 python manage.py compilemessages --ignore=node_modules -v0
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret ALLOWED_HOSTS=build.invalid python manage.py collectstatic --noinput -v0
# media: uploads on one host; signing: the certificate and credential keys (a volume in compose).
RUN mkdir -p /app/media /app/signing && chown portal /app/media /app/signing
USER portal
# Reached only by the proxy (docker-compose.yml publishes no port of this container).
EXPOSE 8000
# tests/production runs this very command line (deploy/gunicorn.conf.py: workers, threads,
# timeouts, the access log without addresses or tokens).
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "portal.wsgi:application"]
