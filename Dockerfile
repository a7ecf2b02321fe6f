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
    && cargo build --release --locked --bin shipgate \
    && rm -rf src benches
COPY src ./src
COPY benches ./benches
# `shipgate rules SGxxx` embeds the rule pages.
COPY docs/rules ./docs/rules
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin shipgate

# Runtime: glibc, CA certificates for TLS to GitHub, AWS and Slack, and git to read the
# checked-out workspace. The runner mounts the workspace owned by another uid, hence the
# safe.directory setting. Docker actions run as root: the runner's files (GITHUB_OUTPUT,
# the workspace) are root-owned, and GitHub documents that USER must not be set.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'
COPY --from=build /src/target/release/shipgate /usr/local/bin/shipgate
ENTRYPOINT ["/usr/local/bin/shipgate"]
