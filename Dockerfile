# syntax=docker/dockerfile:1

# ---- build: all dependencies, compile TypeScript to dist/ and the console (web/) to dist/console/ ----
FROM node:24-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/build-console.ts ./scripts/
COPY web ./web
RUN npm run build

# ---- prod-deps: production dependencies only (better-sqlite3 builds here, where compilers are) ----
FROM node:24-bookworm AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime: slim, non-root, compiled code and production dependencies ----
FROM node:24-bookworm-slim AS runtime
# NODE_OPTIONS: V8's young generation pinned at 32 MB a semi-space, as
# `npm start` and `npm run start:prod` run the server (docs/operations.md,
# "Memory and the young generation"). Setting NODE_OPTIONS replaces it: keep
# --max-semi-space-size=32 in the value to add flags of your own.
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-semi-space-size=32 \
    HOST=0.0.0.0 \
    PORT=4000 \
    SQLITE_PATH=/app/data/runs.sqlite
WORKDIR /app
COPY --from=prod-deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
# the shipped pipelines (PIPELINES_DIR=./pipelines); mount a directory over it to serve your own
COPY --chown=node:node pipelines ./pipelines
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself handles SIGTERM: /ready turns 503, stages in flight finish within SHUTDOWN_GRACE_MS
STOPSIGNAL SIGTERM
CMD ["node", "dist/server.js"]
