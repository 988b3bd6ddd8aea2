# frontdesk in a container.
#
#   docker build -t frontdesk .
#   docker run -d -p 8080:8080 -v frontdesk-data:/data -e FRONTDESK_ADMIN_PASSWORD='...' frontdesk
#
# Two stages: a Rust toolchain on Debian 12 builds the release binary; the runtime image holds only that
# binary, the few shared libraries it loads (glibc, libgcc_s), a non-root user, /tmp and the /data volume.
# The templates, static files, migrations and data files are compiled into the binary.
#
# Both base images are build arguments. The build image must be Debian 12 based (or any glibc system with
# ldd and a Rust toolchain new enough for edition 2024). The runtime stage copies in everything the binary
# needs, so `scratch` is enough. tests/container/run.sh builds with a locally made build image (no registry
# is reachable there) and scratch.

ARG BUILD_IMAGE=rust:1-bookworm
ARG RUNTIME_IMAGE=scratch

# ---------------------------------------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src

# The dependencies alone, in a layer of their own that is reused until Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src benches \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && echo 'fn main() {}' > benches/sign_limit.rs \
 && cargo build --release --locked \
 && cargo clean --release --locked -p frontdesk \
 && rm -rf src benches

# The application.
COPY src ./src
# Not built here, but Cargo.toml names it (bench/token.sh's signing limit).
COPY benches ./benches
COPY templates ./templates
COPY static ./static
COPY migrations ./migrations
COPY data ./data
RUN cargo build --release --locked

# The runtime root file system: the binary, exactly the shared libraries it loads (as ldd lists them,
# dynamic loader included), a non-root user (65532, as in the distroless images) and a world-writable /tmp.
RUN set -eu; \
    mkdir -p /rootfs/usr/local/bin /rootfs/etc /rootfs/tmp /data; \
    install -m 0755 target/release/frontdesk /rootfs/usr/local/bin/frontdesk; \
    for lib in $(ldd target/release/frontdesk | grep -o '/[^ ]*'); do cp -L --parents "$lib" /rootfs/; done; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/data:/sbin/nologin\n' > /rootfs/etc/passwd; \
    printf 'root:x:0:\nnonroot:x:65532:\n' > /rootfs/etc/group; \
    chmod 1777 /rootfs/tmp; \
    chown 65532:65532 /data; \
    /rootfs/usr/local/bin/frontdesk --version

# ---------------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
COPY --from=build /rootfs/ /
# Owned by the non-root user, so that a new named volume mounted here starts writable for it.
COPY --from=build --chown=65532:65532 /data /data

# NO_COLOR: the log goes to a log driver or collector, not a terminal, so text lines carry no colour codes.
ENV DATABASE_URL=sqlite:///data/frontdesk.db \
    FRONTDESK_LISTEN=0.0.0.0:8080 \
    NO_COLOR=1
USER 65532:65532
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080

# `frontdesk healthcheck` asks the server's /readyz (on the port of FRONTDESK_LISTEN) and exits 0 when ready.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/frontdesk", "healthcheck"]

# The server handles SIGTERM itself (graceful shutdown, exit status 0), also as PID 1.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/frontdesk"]
CMD ["serve"]
