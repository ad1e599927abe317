#!/bin/sh
# Runs in nginx's official image before it renders the templates (/docker-entrypoint.d/).
# 1. The image's welcome page goes: the proxy serves the portal and nothing else.
# 2. With no certificate at NGINX_CERTIFICATE, a self-signed one for SERVER_NAME is made, for
#    a local try-out only; browsers warn about it. Put the real one there (README, "Production").
set -eu
rm -f /etc/nginx/conf.d/default.conf
if [ ! -s "$NGINX_CERTIFICATE" ] || [ ! -s "$NGINX_CERTIFICATE_KEY" ]; then
  echo "$0: no certificate at $NGINX_CERTIFICATE; making a self-signed one for ${SERVER_NAME} (local try-out only)"
  if ! command -v openssl >/dev/null 2>&1; then
    echo "$0: openssl is not in this image: put fullchain.pem and privkey.pem in deploy/certs/" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$NGINX_CERTIFICATE")" "$(dirname "$NGINX_CERTIFICATE_KEY")"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=${SERVER_NAME}" \
    -addext "subjectAltName=DNS:${SERVER_NAME}" \
    -keyout "$NGINX_CERTIFICATE_KEY" -out "$NGINX_CERTIFICATE" 2>/dev/null
fi
