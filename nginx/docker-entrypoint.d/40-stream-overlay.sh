#!/bin/sh
# stream-overlay: the parts of the nginx config derived from .env, written at every start.
# The official nginx image runs this from /docker-entrypoint.d/ after it has rendered
# nginx/templates/ into conf.d/ (20-envsubst-on-templates.sh). It writes, in
# conf.d/stream-overlay/:
#   server-name.conf   server_name from NGINX_SERVER_NAME, else the host of PUBLIC_BASE_URL
#   upstream-servers.conf  one `server` line per comma-separated NGINX_UPSTREAM_SERVER entry
#   upload-limit.conf  client_max_body_size = MAX_UPLOAD_MB + 1 MB (multipart framing)
#   tls-cert.conf, tls-enabled.conf   only when the certificate exists (certbot has run)
#   http-mode.conf     the app over HTTP until then; afterwards a redirect to HTTPS
# A bad value stops the container with a message naming the variable.
set -eu

out="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}/stream-overlay"
me="40-stream-overlay.sh"
fail() {
    echo "$me: ERROR: $*" >&2
    exit 1
}

[ -f "$out/app.conf" ] || fail "$out/app.conf is missing: mount nginx/templates at /etc/nginx/templates"

names="${NGINX_SERVER_NAME:-}"
if [ -z "$names" ] && [ -n "${PUBLIC_BASE_URL:-}" ]; then
    # https://overlay.example.com:8443/path -> overlay.example.com
    names=$(printf '%s\n' "$PUBLIC_BASE_URL" | sed -e 's#^[A-Za-z][A-Za-z0-9+.-]*://##' -e 's#[/?].*$##' -e 's#:[0-9]*$##')
fi
[ -n "$names" ] || fail "set NGINX_SERVER_NAME (your domain, or the VPS's IP address) or PUBLIC_BASE_URL in .env"
case "$names" in
    *[!A-Za-z0-9.\ -]*) fail "NGINX_SERVER_NAME may hold only host names or IPv4 addresses separated by spaces (got \"$names\")" ;;
esac
printf 'server_name %s;\n' "$names" > "$out/server-name.conf"

upstreams="${NGINX_UPSTREAM_SERVER:-}"
[ -n "$upstreams" ] || fail "NGINX_UPSTREAM_SERVER is empty: name the web instance(s), e.g. web:13337 resolve"
: > "$out/upstream-servers.conf"
old_ifs=$IFS
IFS=,
for upstream in $upstreams; do
    upstream=$(printf '%s' "$upstream" | sed -e 's/^ *//' -e 's/ *$//')
    [ -n "$upstream" ] || continue
    case "$upstream" in
        *[!A-Za-z0-9.:_=\ -]*) fail "NGINX_UPSTREAM_SERVER entries are host:port [parameters], comma-separated (got \"$upstream\")" ;;
    esac
    printf 'server %s;\n' "$upstream" >> "$out/upstream-servers.conf"
done
IFS=$old_ifs
[ -s "$out/upstream-servers.conf" ] || fail "NGINX_UPSTREAM_SERVER names no server (got \"$upstreams\")"

mb="${MAX_UPLOAD_MB:-200}"
case "$mb" in
    '' | *[!0-9]*) fail "MAX_UPLOAD_MB must be a whole number of megabytes (got \"$mb\")" ;;
esac
printf 'client_max_body_size %sm;\n' "$((mb + 1))" > "$out/upload-limit.conf"

first="${names%% *}"
certs="${NGINX_CERT_DIR:-/etc/letsencrypt/live/$first}"
https_port="${NGINX_PUBLIC_HTTPS_PORT:-443}"
if [ -s "$certs/fullchain.pem" ] && [ -s "$certs/privkey.pem" ]; then
    printf 'ssl_certificate %s/fullchain.pem;\nssl_certificate_key %s/privkey.pem;\n' "$certs" "$certs" > "$out/tls-cert.conf"
    cp "$out/tls.server" "$out/tls-enabled.conf"
    if [ "$https_port" = 443 ]; then target='https://$host$request_uri'; else target="https://\$host:$https_port\$request_uri"; fi
    printf 'location / {\n    return 301 %s;\n}\n' "$target" > "$out/http-mode.conf"
    echo "$me: HTTPS on for $names (certificate in $certs); HTTP redirects to HTTPS"
else
    rm -f "$out/tls-enabled.conf" "$out/tls-cert.conf"
    printf 'include %s/app.conf;\n' "$out" > "$out/http-mode.conf"
    echo "$me: no certificate in $certs yet: serving $names over HTTP only (docs/deployment.md: certbot)"
fi
