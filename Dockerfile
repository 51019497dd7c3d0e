# syntax=docker/dockerfile:1
# The API image. The Compose stack's alert sink runs from it too (node dist/stack/alert-sink.js).
ARG NODE_VERSION=20.20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: they only prepare the embedded PostgreSQL binaries and esbuild (native stack, tests).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY app ./app
COPY stack ./stack
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=5000
# A fixed glibc mmap threshold: memory-leak resets return all memory every time (stack/components.ts, API_MALLOC_ENV).
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json marks the project root; the API applies init.sql itself when the schema is missing
COPY package.json init.sql ./
USER node
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/livez').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/app/server.js"]
