# syntax=docker/dockerfile:1
# Waiver's image: built on Debian (glibc, so better-sqlite3 compiles as it does in CI), run on a distroless
# Node.js 24 (LTS) as UID 65532, the application tree assembled by scripts/runtime-tree.sh — the same
# script CI runs to test the image's contents.
#
#   docker build -t registry.example.com/waiver:0.3.0 .
#   docker run --rm registry.example.com/waiver:0.3.0 --version

FROM node:24-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Installs every dependency and runs "prepare" (the build) once the sources are in.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm rebuild better-sqlite3 && npm run build && bash scripts/runtime-tree.sh /app

FROM gcr.io/distroless/nodejs24-debian12:nonroot
ARG VERSION=0.3.0
LABEL org.opencontainers.image.title="waiver" \
      org.opencontainers.image.description="Kubernetes policy exceptions as an explicit, time-bound, audited, decreasing set" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build --chown=65532:65532 /app /app
COPY --chmod=0755 deploy/image/waiver /usr/local/bin/waiver
# The working folder holds the SQLite database and a generated admin token: a volume in the chart.
WORKDIR /var/lib/waiver
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/cli/bin.js"]
CMD ["serve"]
