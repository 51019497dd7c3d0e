# syntax=docker/dockerfile:1
# The kit's two images, from one build stage: `api` (the last stage; Compose's risk, alert-sink, control-room and
# alertmanager-config services run from it too) and `scenarios` (the workshop scenarios, for Docker
# users without Node). Versions of every component on each path: docs/versions.md.
# Node 24 is an LTS line maintained until 2028-04; the native path runs on Node 20.19 and later.
ARG NODE_VERSION=24.19.0

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional skips the embedded PostgreSQL binaries and esbuild's platform binary (optional
# dependencies of the native stack's and the tests' dev tools); --ignore-scripts runs no install script.
RUN npm ci --omit=optional --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY app ./app
COPY risk ./risk
COPY stack ./stack
COPY scenarios ./scenarios
COPY control-room ./control-room
COPY gameday ./gameday
COPY kit ./kit
COPY monitoring ./monitoring
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The scenarios run from the build stage, compiled, with every dependency installed.
FROM build AS scenarios
ENV NODE_ENV=production REPORTS_DIR=/app/reports
RUN mkdir -p reports && chown node:node reports
USER node
ENTRYPOINT ["node", "dist/scenarios/cli.js"]
CMD ["--help"]

FROM node:${NODE_VERSION}-bookworm-slim AS api
ENV NODE_ENV=production HOST=0.0.0.0 PORT=5000
# A fixed glibc mmap threshold: memory-leak resets return all memory every time (stack/components.ts, API_MALLOC_ENV).
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json marks the project root; the API applies init.sql itself when the schema is missing
COPY package.json init.sql ./
# the risk service (same image, `node dist/risk/server.js`) applies its schema at every start
COPY risk/schema.sql ./risk/schema.sql
# the control room serves its page as files and builds its charts from the Grafana dashboards
COPY control-room/public ./control-room/public
COPY monitoring/grafana/dashboards ./dist/monitoring/grafana/dashboards
# the control room reads the recording rules for its per-replica charts
COPY monitoring/prometheus/rules/recording.yml ./monitoring/prometheus/rules/recording.yml
# alertmanager-config writes /rendered, a game started from the control room writes its lock (.run) and debrief
# (reports); a new named volume mounted on one of them starts owned by node, like the folder
RUN mkdir /rendered .run reports && chown node:node /rendered .run reports
USER node
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/app/server.js"]
