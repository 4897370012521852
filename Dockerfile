# syntax=docker/dockerfile:1
# stream-overlay: one image for the `web` service (HTTP API, pages, WebSockets, signaling).
#   docker build -t stream-overlay .          (docker compose builds it for you)
# Stages: `build` compiles with dev dependencies (esbuild); `deps` installs production
# dependencies only; `runtime` gets those plus dist/ and nothing else: no sources, no tsx.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Client bundles (dist/client, with their size budgets) and the server bundle (dist/server).
RUN npm run build && npm run build:server

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional too: npm marks typescript "devOptional" (an optional peer of valibot).
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=13337 \
    DATA_DIR=/app/data \
    UPLOAD_DIR=/app/uploads
WORKDIR /app
# espeak-ng for TTS_ENGINE=espeak (OBS's browser often has no voices); ~10 MB. Build with
# --build-arg WITH_ESPEAK=false to leave it out.
ARG WITH_ESPEAK=true
RUN if [ "$WITH_ESPEAK" = true ]; then \
      apt-get update && apt-get install -y --no-install-recommends espeak-ng && rm -rf /var/lib/apt/lists/*; \
    fi
# The image's `node` user (uid 1000) owns only the two data directories.
RUN mkdir -p /app/data /app/uploads && chown node:node /app/data /app/uploads
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist ./dist
USER node
VOLUME ["/app/data", "/app/uploads"]
EXPOSE 13337
# node, not curl: the slim image has no curl. Unhealthy when the store (Redis) is down.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||13337)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains: sockets are closed with 1012 so overlays reconnect to the next container.
STOPSIGNAL SIGTERM
CMD ["node", "dist/server/main.js"]
