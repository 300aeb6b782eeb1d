# syntax=docker/dockerfile:1
# Nexus gateway image: compile to one binary with Deno, run it on distroless as a non-root user
# with a read-only root filesystem.
#   docker build -t nexus .
#   docker run --read-only -p 8080:8080 -v nexus-data:/var/lib/nexus \
#     -e NEXUS_MASTER_KEY_FILE=/run/secrets/nexus_master_key \
#     -v "$PWD/master.key:/run/secrets/nexus_master_key:ro" nexus
#
# Layout (the permission set compiled into the binary allows exactly this; scripts/compile.ts):
#   /etc/nexus            working directory, ./nexus.yaml (optional), read only
#   /etc/nexus/tools      tool definitions (NEXUS_TOOLS_DIR), read only
#   /var/lib/nexus        NEXUS_DATA_DIR, the only directory written: mount a volume here
#   /run/secrets          mounted secrets (NEXUS_MASTER_KEY_FILE), read only

# ---- build ----------------------------------------------------------------------------------
# Why pinned: keep in step with DENO_VERSION in .ci/run, so CI tests what ships.
FROM denoland/deno:2.9.6 AS build
# Why /etc/nexus: `deno compile` embeds tools/ at the path it has here, and a compiled binary can
# import only embedded modules (denoland/deno#18327). Building where the runtime reads its tools
# makes the shipped TypeScript tools importable from /etc/nexus/tools; YAML tools are plain data
# and can be mounted at run time, TypeScript tools must be in tools/ when the image is built.
WORKDIR /etc/nexus

# Why tini-static: the runtime image has no init and no shell; a static tini runs there as PID 1
# and reaps the grandchildren of stdio upstreams (lib/upstreams/README.md "Limits").
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a source change does not refetch them.
COPY deno.json deno.lock ./
RUN deno install --frozen

COPY . .
# Why the host's own target: the image is built per platform (docker buildx --platform
# linux/amd64,linux/arm64), and uname -m is x86_64 or aarch64 there. The permission set baked in
# is scripts/compile.ts's permissionFlags() (never -A); npm packages are embedded, so the binary
# writes no cache at run time. Stdio upstreams need their commands granted at build time:
#   docker build --build-arg NEXUS_ALLOW_RUN=npx,node .   (and a runtime image that has them)
ARG NEXUS_ALLOW_RUN=""
# Why a build argument: a compiled Deno binary reads no DENO_V8_FLAGS, so its V8 heap limit
# (--max-old-space-size, with the young-generation cap --max-semi-space-size = 1/64 of it,
# scripts/heap_limit.ts) is compiled in. 512 MB is half the Helm chart's 1 Gi memory limit; build
# with about half of your container's memory limit (README "Memory").
ARG NEXUS_HEAP_MB=512
RUN target="$(uname -m)-unknown-linux-gnu" \
    && deno task compile --target "${target}" --heap-mb "${NEXUS_HEAP_MB}" \
       ${NEXUS_ALLOW_RUN:+--allow-run "${NEXUS_ALLOW_RUN}"} \
    && cp "dist/nexus-${target}" /nexus

# Why here: distroless has no shell or mkdir; the final stage copies these with nonroot's uid.
RUN mkdir -p /out/etc/nexus /out/var/lib/nexus \
    && cp -r tools /out/etc/nexus/tools

# ---- runtime --------------------------------------------------------------------------------
# Why cc, not static: a compiled Deno binary links glibc and libgcc.
FROM gcr.io/distroless/cc-debian12:nonroot

COPY --from=build /usr/bin/tini-static /usr/bin/tini
COPY --from=build /nexus /usr/local/bin/nexus
COPY --from=build /out/etc/nexus /etc/nexus
# Why 65532: distroless's nonroot uid/gid; a new named volume on the data dir inherits this.
COPY --from=build --chown=65532:65532 /out/var/lib/nexus /var/lib/nexus

WORKDIR /etc/nexus
USER 65532:65532

# NEXUS_EGRESS_PRIVATE stays unset (loopback and private ranges allowed: internal services are
# the point of the gateway). Set NEXUS_EGRESS_PRIVATE=deny when every backend is a public SaaS
# API, or in a cloud network where private addresses reach things tools must not (README
# "Deployment"); link-local and metadata addresses are refused either way.
ENV NEXUS_HOST=0.0.0.0 \
    NEXUS_PORT=8080 \
    NEXUS_TOOLS_DIR=/etc/nexus/tools \
    NEXUS_DATA_DIR=/var/lib/nexus

VOLUME ["/var/lib/nexus"]
EXPOSE 8080

# Why the binary itself: distroless has no shell or curl. The URL follows NEXUS_PORT above;
# override the healthcheck if you change the port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/nexus", "health", "--url", "http://127.0.0.1:8080/healthz"]

# Why tini: PID 1 must reap orphans and forward SIGTERM, so the gateway's drain runs on stop.
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/nexus"]
CMD ["serve"]
