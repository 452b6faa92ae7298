# syntax=docker/dockerfile:1
#
# One image for every DY Orders process; docker-compose.yml picks the process with `command`:
#   API              node dist/api/main.js                        (the default below)
#   worker           node dist/workers/main.js
#   sandbox carrier  node dist/services/sandboxCarrier/main.js
#   migrations/seed  node dist/db/cli.js migrate|seed
#
# scripts/bootstrap.js is the developer's entry point (it also builds the Temporal CLI and stripe-mock
# from Go); the image needs none of that, so it is not used here.

# ---- build: compile TypeScript and pre-bundle the workflow code -----------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app

# The lock file alone decides this layer, so a source-only change reuses the installed node_modules.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY . .
# Workers load dist/workflow-bundle.js instead of running webpack at every start; dist/test is only
# compiled because tsconfig.json includes it, and has no place in the image.
RUN npx tsc -p tsconfig.json \
 && node dist/scripts/bundleWorkflows.js \
 && test -s dist/workflow-bundle.js \
 && rm -rf dist/test dist/.tsbuildinfo

# ---- runtime: production dependencies and compiled code only ---------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# dist/ carries the workflow bundle (dist/workflow-bundle.js), found next to package.json by lib/paths.ts.
# The files stay owned by root: the processes run as `node` and cannot rewrite their own code.
COPY --from=build /app/dist ./dist
COPY --from=build /app/web ./web

USER node
EXPOSE 3000
# No HEALTHCHECK here: each process checks something different (HTTP for the API, task-queue polling for
# the worker), so docker-compose.yml defines one per service.
CMD ["node", "dist/api/main.js"]
