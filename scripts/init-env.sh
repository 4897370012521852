#!/bin/sh
# Writes .env from .env.example with a fresh random value for every secret, and your
# domain (or the VPS's IPv4 address) where one is needed:
#   sh scripts/init-env.sh overlay.example.com
#   docker compose --profile edge up -d --build
# Refuses to overwrite an existing .env. Needs only sh, od and awk.
set -eu
cd "$(dirname "$0")/.."

if [ -e .env ]; then
    echo "init-env: .env already exists; edit it, or move it away first" >&2
    exit 1
fi
domain="${1:-}"
case "$domain" in
    *[!A-Za-z0-9.-]*) echo "init-env: \"$domain\" is not a host name or IPv4 address" >&2; exit 1 ;;
esac
scheme=https
case "$domain" in
    *[!0-9.]*) ;;
    ?*) scheme=http ;; # an IP address: no Let's Encrypt certificate, plain HTTP
esac

secret() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

umask 077
awk -v token="$(secret)" -v signing="$(secret)" -v redis="$(secret)" -v turn="$(secret)" \
    -v domain="$domain" -v scheme="$scheme" '
    /^STREAMER_API_TOKEN=$/ { print $0 token; next }
    /^TOKEN_SECRET=$/       { print $0 signing; next }
    /^REDIS_PASSWORD=$/     { print $0 redis; next }
    /^WEBRTC_TURN_SECRET=$/ { print $0 turn; next }
    domain != "" && /^PUBLIC_BASE_URL=$/    { print $0 scheme "://" domain; next }
    domain != "" && /^# WEBRTC_STUN_URL=/   { print "WEBRTC_STUN_URL=stun:" domain ":3478"; next }
    domain != "" && /^# WEBRTC_TURN_URL=/   { print "WEBRTC_TURN_URL=turn:" domain ":3478?transport=udp,turn:" domain ":3478?transport=tcp"; next }
    { print }
' .env.example > .env.tmp
mv .env.tmp .env

echo "init-env: wrote .env with new secrets (readable by you only)."
if [ -n "$domain" ]; then
    echo "init-env: PUBLIC_BASE_URL=$scheme://$domain; STUN/TURN on $domain:3478."
else
    echo "init-env: now set PUBLIC_BASE_URL (or NGINX_SERVER_NAME) in .env."
fi
echo "init-env: your streamer token: grep STREAMER_API_TOKEN .env"
