# syntax=docker/dockerfile:1
# csi-snapshotter: a drop-in image for the upstream sidecar (entrypoint = the program, so a
# Deployment's `args:` work unchanged). Three stages:
#   build  compiles TypeScript with the build image's Node 24 (the `node` npm devDependency, a
#          second copy of Node that bin/csi-snapshotter uses in development, is never run here:
#          --ignore-scripts keeps its installer from fetching it);
#   deps   production dependencies only (npm ci --omit=dev), so no devDependency reaches runtime;
#   final  distroless Node 24 (no shell, no package manager), numeric non-root UID/GID 65532,
#          nothing written at runtime (works with readOnlyRootFilesystem: true).
# The runtime tree is /app/{package.json, dist/, node_modules/, proto/}; test/image/ rebuilds the
# same tree without Docker and runs it. Pin the bases by digest in a release pipeline
# (--build-arg NODE_BUILD_IMAGE=node:24.21.0-bookworm-slim@sha256:…).

ARG NODE_BUILD_IMAGE=node:24.21.0-bookworm-slim
ARG NODE_RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
# tsc through the image's own node: `npm run` would put node_modules/.bin (the uninstalled
# `node` shim) first on PATH.
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

FROM ${NODE_BUILD_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No production dependency needs an install script (protobufjs' only prints a version notice).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

FROM ${NODE_RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="csi-snapshotter" \
      org.opencontainers.image.description="Kubernetes CSI snapshotter sidecar (TypeScript, Node 24): drop-in for kubernetes-csi/external-snapshotter's csi-snapshotter" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY --from=deps /app/package.json ./package.json
COPY --from=deps /app/node_modules/ ./node_modules/
COPY --from=build /src/dist/ ./dist/
COPY proto/ ./proto/
ENV NODE_ENV=production
USER 65532:65532
# V8 flags as in bin/csi-snapshotter (why: there).
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=2", "/app/dist/cli/main.js"]
