# syntax=docker/dockerfile:1
# Build stage: dependencies first, in their own layer, so a source change rebuilds only shipgate.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# Placeholder sources for every target the manifest names, so Cargo resolves and builds only the
# dependencies in this layer.
RUN mkdir src benches \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > benches/gate.rs \
    && echo 'fn main() {}' > benches/lint.rs \
    && echo 'fn main() {}' > benches/deploy.rs \
    && cargo build --release --locked --bin shipgate \
    && rm -rf src benches
COPY src ./src
COPY benches ./benches
# `shipgate rules SGxxx` embeds the rule pages.
COPY docs/rules ./docs/rules
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin shipgate

# The runtime's root filesystem, assembled where there is a shell: the binary, the shared
# libraries it links (as ldd lists them, so amd64 and arm64 alike), Debian's CA bundle for TLS to
# GitHub, AWS and Slack, and the few /etc files glibc reads. No git: the action reads the
# workspace's repository itself (src/git.rs), so no safe.directory setting is needed either.
FROM debian:bookworm-slim AS rootfs
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/shipgate /rootfs/usr/local/bin/shipgate
RUN ldd /rootfs/usr/local/bin/shipgate | grep -o '/[^ ]*' | sort -u \
      | xargs -I{} cp --parents -L {} /rootfs/ \
    && mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp /rootfs/root \
    && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
    && chmod 1777 /rootfs/tmp \
    && echo 'root:x:0:0:root:/root:/usr/local/bin/shipgate' > /rootfs/etc/passwd \
    && echo 'root:x:0:' > /rootfs/etc/group \
    && echo 'hosts: files dns' > /rootfs/etc/nsswitch.conf \
    && /rootfs/usr/local/bin/shipgate --version

# Runtime: nothing but that filesystem, no shell. Docker actions run as root: the runner's files
# (GITHUB_OUTPUT, the workspace) are root-owned, and GitHub documents that USER must not be set.
FROM scratch
COPY --from=rootfs /rootfs/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
ENTRYPOINT ["/usr/local/bin/shipgate"]
