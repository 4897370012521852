#!/bin/sh
# Render janus/*.template into $JANUS_CONFIG_DIR from the environment, then run Janus in the
# foreground. ${NAME} is replaced; a line starting with "#?NAME " is kept only when NAME is set.
set -eu
: "${JANUS_TOKEN_SECRET:?set JANUS_TOKEN_SECRET (openssl rand -hex 32)}"
: "${JANUS_ADMIN_KEY:?set JANUS_ADMIN_KEY (openssl rand -hex 32)}"
export JANUS_CONFIG_DIR="${JANUS_CONFIG_DIR:-/run/janus}"
export JANUS_LIB_DIR="${JANUS_LIB_DIR:-$(ls -d /usr/lib/*/janus 2>/dev/null | head -n 1)}"
export JANUS_ADMIN_SECRET="${JANUS_ADMIN_SECRET:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export JANUS_WS_IP="${JANUS_WS_IP:-0.0.0.0}"
export JANUS_WS_PORT="${JANUS_WS_PORT:-8188}"
export JANUS_RTP_PORT_RANGE="${JANUS_RTP_PORT_RANGE:-20000-20199}"
export JANUS_DEBUG_LEVEL="${JANUS_DEBUG_LEVEL:-4}"
export JANUS_NAT_1_1_MAPPING="${JANUS_NAT_1_1_MAPPING:-${PUBLIC_IP:-}}"
export JANUS_ICE_ENFORCE_LIST="${JANUS_ICE_ENFORCE_LIST:-}"
TEMPLATES="${JANUS_TEMPLATE_DIR:-/etc/janus-templates}"
mkdir -p "$JANUS_CONFIG_DIR"
VARS="JANUS_CONFIG_DIR JANUS_LIB_DIR JANUS_DEBUG_LEVEL JANUS_TOKEN_SECRET JANUS_ADMIN_SECRET JANUS_ADMIN_KEY JANUS_WS_IP JANUS_WS_PORT JANUS_RTP_PORT_RANGE JANUS_NAT_1_1_MAPPING JANUS_ICE_ENFORCE_LIST"
for template in "$TEMPLATES"/*.template; do
  out="$JANUS_CONFIG_DIR/$(basename "$template" .template)"
  script=""
  for name in $VARS; do
    eval "value=\${$name}"
    # Secrets are hex or plain words; escape sed's own specials anyway.
    escaped=$(printf '%s' "$value" | sed 's/[\/&|]/\\&/g')
    if [ -n "$value" ]; then script="$script;s|^#?$name ||"; else script="$script;/^#?$name /d"; fi
    script="$script;s|\${$name}|$escaped|g"
  done
  sed "${script#;}" "$template" > "$out"
done
chmod 600 "$JANUS_CONFIG_DIR"/*.jcfg
exec janus -C "$JANUS_CONFIG_DIR/janus.jcfg" -F "$JANUS_CONFIG_DIR" "$@"
