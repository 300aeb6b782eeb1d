# syntax=docker/dockerfile:1
# Nexus gateway image: compile to one binary with Deno, run it on distroless as a non-root user.
#   docker build -t nexus .
#   docker run -p 8080:8080 -e NEXUS_MASTER_KEY=... nexus

# ---- build ----------------------------------------------------------------------------------
# Why pinned: keep in step with DENO_VERSION in .ci/run, so CI tests what ships.
FROM denoland/deno:2.9.6 AS build
WORKDIR /app

# Dependencies first, so a source change does not refetch them (deno.lock only if present).
COPY deno.json deno.lock* ./
RUN deno install

COPY . .
# Produces dist/nexus with tools/ embedded (see the compile task in deno.json).
RUN deno task compile

# Why here: distroless has no shell or mkdir; the final stage copies this with nonroot's uid.
RUN mkdir -p /data

# ---- runtime --------------------------------------------------------------------------------
# Why cc, not static: a compiled Deno binary links glibc and libgcc.
FROM gcr.io/distroless/cc-debian12:nonroot

COPY --from=build /app/dist/nexus /usr/local/bin/nexus
COPY --from=build /app/tools /app/tools
# Why 65532: distroless's nonroot uid/gid; a new named volume on /data inherits this ownership.
COPY --from=build --chown=65532:65532 /data /data

WORKDIR /app
USER nonroot

ENV NEXUS_HOST=0.0.0.0 \
    NEXUS_PORT=8080 \
    NEXUS_TOOLS_DIR=/app/tools \
    NEXUS_DATA_DIR=/data

VOLUME ["/data"]
EXPOSE 8080

# Why the binary itself: distroless has no shell or curl. The URL follows NEXUS_PORT above;
# override the healthcheck if you change the port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/nexus", "health", "--url", "http://127.0.0.1:8080/healthz"]

ENTRYPOINT ["/usr/local/bin/nexus"]
CMD ["serve"]
