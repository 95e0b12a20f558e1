# syntax=docker/dockerfile:1
# csi-snapshotter: a drop-in image for the upstream sidecar (entrypoint = the program, so a
# Deployment's `args:` work unchanged). Two stages:
#   build  type-checks and compiles TypeScript with the build image's Node 24, then bundles the
#          program and its production dependencies into dist/bundle/ with esbuild
#          (esbuild.config.mjs). The `node` npm devDependency, a second copy of Node that
#          bin/csi-snapshotter uses in development, is never run here: --ignore-scripts keeps its
#          installer from fetching it;
#   final  distroless Node 24 (no shell, no package manager), numeric non-root UID/GID 65532,
#          nothing written at runtime (works with readOnlyRootFilesystem: true). It holds the
#          bundle, proto/csi.proto (read at start) and package.json (the version): no node_modules.
# test/image/ rebuilds the same tree without Docker and runs it. Pin the bases by digest in a
# release pipeline (--build-arg NODE_BUILD_IMAGE=node:24.21.0-bookworm-slim@sha256:…).

ARG NODE_BUILD_IMAGE=node:24.21.0-bookworm-slim
ARG NODE_RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json esbuild.config.mjs ./
COPY src/ src/
# Through the image's own node: `npm run` would put node_modules/.bin (the uninstalled `node`
# shim) first on PATH. tsc is the type check; the bundle is what ships.
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
 && node esbuild.config.mjs

FROM ${NODE_RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="csi-snapshotter" \
      org.opencontainers.image.description="Kubernetes CSI snapshotter sidecar (TypeScript, Node 24): drop-in for kubernetes-csi/external-snapshotter's csi-snapshotter" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
COPY package.json ./package.json
COPY --from=build /src/dist/bundle/ ./dist/bundle/
COPY proto/ ./proto/
ENV NODE_ENV=production
USER 65532:65532
# V8 flags as in bin/csi-snapshotter (why: there).
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=2", "/app/dist/bundle/csi-snapshotter.mjs"]
