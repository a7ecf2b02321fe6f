#!/usr/bin/env bash
# Builds the action's image from the project's Dockerfile with podman, on locally made stand-ins
# for its public bases (no image registry is reachable here), checks its size, then runs it the
# way the Actions runner runs a Docker action (tests/e2e_image.rs).
#
# The stand-ins carry the names the Dockerfile uses (localhost/rust:1.95-bookworm,
# localhost/debian:bookworm-slim) and stay in podman's storage, so only the first run on a machine
# makes them: a bookworm rootfs from debootstrap, on the mirror apt uses, and for the build stage
# the host's Rust toolchain and the host's certificate authorities (cargo must trust what the host
# trusts; they go into the stand-in, never into the project's Dockerfile).
#
# Environment: SHIPGATE_IMAGE_MAX_BYTES (default 20000000, as `podman images` counts MB),
# SHIPGATE_IMAGE_REBUILD_BASES=1 to make the stand-ins again. `.ci/image.sh bases` makes only them.
set -euo pipefail
cd "$(dirname "$0")/.."

image=localhost/shipgate:ci
rust_base=localhost/rust:1.95-bookworm
slim_base=localhost/debian:bookworm-slim
max_bytes="${SHIPGATE_IMAGE_MAX_BYTES:-20000000}"
# crun refuses to start here (setrlimit RLIMIT_NOFILE under hybrid cgroups); runc with explicit
# limits works.
runtime_args=(--runtime runc --ulimit nofile=20000:20000 --ulimit nproc=32768:32768)

log() { printf '[image %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
now() { date +%s; }

install_tools() {
  local missing=()
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v newuidmap >/dev/null 2>&1 || missing+=(uidmap)
  command -v fuse-overlayfs >/dev/null 2>&1 || missing+=(fuse-overlayfs)
  command -v slirp4netns >/dev/null 2>&1 || missing+=(slirp4netns)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" buildah containernetworking-plugins >/dev/null
  fi
}

# The first URI that apt uses for Debian's bookworm suite (deb822 .sources or one-line lists).
debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '
      /^$/ { if (suite && uri) { print uri; exit } suite = 0; uri = "" }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") suite = 1 }
      END { if (suite && uri) print uri }
    ' "$f" | head -n1
  done | head -n1 | grep . && return 0
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' | grep .
}

make_slim_base() {
  local mirror work
  mirror="$(debian_mirror)" || { echo "no bookworm mirror in apt's sources" >&2; return 1; }
  work="$(mktemp -d)"
  log "debootstrap bookworm (minbase) from apt's mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 30 "$work/debootstrap.log" >&2; return 1; }
  # apt inside the stand-in reads the same sources, with the same settings, as the host's apt.
  rm -f "$work/rootfs/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/*.sources "$work/rootfs/etc/apt/sources.list.d/" 2>/dev/null || true
  cp /etc/apt/sources.list "$work/rootfs/etc/apt/" 2>/dev/null || true
  find "$work/rootfs/etc/apt/sources.list.d" -name '*.sources' ! -name 'debian*.sources' -delete
  grep -h -E 'Check-Valid-Until|Check-Date' /etc/apt/apt.conf.d/* >"$work/rootfs/etc/apt/apt.conf.d/99host" || true
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | podman import -q \
    --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$slim_base" >/dev/null
  rm -rf "$work"
}

make_rust_base() {
  local toolchain ctx
  toolchain="$(rustc --print sysroot)"
  ctx="$(mktemp -d)"
  log "stand-in build image with the host's toolchain ($(rustc --version))"
  mkdir -p "$ctx/toolchain/bin" "$ctx/cas"
  cp -a "$toolchain/bin/cargo" "$toolchain/bin/rustc" "$ctx/toolchain/bin/"
  cp -a "$toolchain/lib" "$ctx/toolchain/"
  [ -d "$toolchain/libexec" ] && cp -a "$toolchain/libexec" "$ctx/toolchain/"
  cp /usr/local/share/ca-certificates/*.crt "$ctx/cas/" 2>/dev/null || true
  cat >"$ctx/Containerfile" <<EOF
FROM $slim_base
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev make pkg-config \
 && rm -rf /var/lib/apt/lists/*
COPY cas/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
COPY toolchain/ /usr/local/rustup/toolchains/host/
RUN mkdir -p /usr/local/cargo/bin \
 && ln -s /usr/local/rustup/toolchains/host/bin/cargo /usr/local/rustup/toolchains/host/bin/rustc /usr/local/cargo/bin/
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
  podman build "${runtime_args[@]}" --network host --pull=never -q -t "$rust_base" "$ctx" >/dev/null
  rm -rf "$ctx"
}

main() {
  local t0 t1 size
  install_tools
  t0="$(now)"
  if [ "${SHIPGATE_IMAGE_REBUILD_BASES:-0}" = 1 ]; then
    podman rmi -f "$rust_base" "$slim_base" >/dev/null 2>&1 || true
  fi
  podman image exists "$slim_base" || make_slim_base
  podman image exists "$rust_base" || make_rust_base
  t1="$(now)"
  log "stand-in bases ready in $((t1 - t0)) s"
  [ "${1:-}" = bases ] && return 0

  log "building the Dockerfile"
  # The build and rootfs stages get tags of their own so that their cached layers (the
  # dependencies' compile above all) are not dangling and survive the prune below, which drops
  # what earlier runs left.
  local build=(podman build "${runtime_args[@]}" --network host --pull=never --layers -f Dockerfile)
  "${build[@]}" --target build -t localhost/shipgate-build:ci .
  "${build[@]}" --target rootfs -t localhost/shipgate-rootfs:ci .
  "${build[@]}" -t "$image" .
  t0="$(now)"
  log "image built in $((t0 - t1)) s"
  podman images "$image"
  size="$(podman image inspect --format '{{.Size}}' "$image")"
  log "image size: $size bytes (limit $max_bytes)"
  if [ "$size" -gt "$max_bytes" ]; then
    echo "the image is $size bytes, over $max_bytes" >&2
    return 1
  fi

  log "running the image as the Actions runner does"
  SHIPGATE_IMAGE="$image" SHIPGATE_CONTAINER_ARGS="${runtime_args[*]}" \
    cargo test --locked --test e2e_image -- --ignored --test-threads 1
  log "image checks passed in $(($(now) - t0)) s"
  # Layers of earlier builds that nothing tagged uses any more.
  podman image prune -f >/dev/null 2>&1 || true
}

main "$@"
