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
# Build-time settings only: the real ones come from the environment at run time.
RUN DEBUG=1 python manage.py compilemessages --ignore=node_modules -v0 \
    && DEBUG=1 python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/media && chown portal /app/media
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "30", "--access-logfile", "-"]
