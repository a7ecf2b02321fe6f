#!/usr/bin/env bash
# Runs shipgate's gate on an embedded example: a small Rails repository with three PR branches
# (schema and code mixed, a safe expand migration, an irreversible contract migration).
# Needs only git and the Rust toolchain; no GitHub or AWS account.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# SHIPGATE_BIN reuses a binary already built (CI builds it with the tests).
bin="${SHIPGATE_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --quiet --manifest-path "$root/Cargo.toml"
  # Cargo says where it put the binary (CARGO_TARGET_DIR, build.target-dir, or target/), so
  # ask it instead of guessing.
  target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
  bin="${target_dir:-$root/target}/debug/shipgate"
fi
if [ ! -x "$bin" ]; then
  echo "demo: no shipgate binary at $bin" >&2
  exit 2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
g() { git -C "$work" -c user.name=demo -c user.email=demo@example.com -c commit.gpgsign=false "$@"; }

g init --quiet --initial-branch=main
cp -R "$root/examples/shop/base/." "$work/"
g add -A && g commit --quiet -m "base: users table"
for pr in pr-mixed pr-expand pr-contract; do
  g checkout --quiet -b "$pr" main
  cp -R "$root/examples/shop/$pr/." "$work/"
  g add -A && g commit --quiet -m "$pr"
done
g checkout --quiet main

status=0
run() {
  local pr="$1" want="$2"
  echo
  echo "=== shipgate check --base main --head $pr (expect exit $want) ==="
  set +e
  "$bin" check --dir "$work" --base main --head "$pr"
  local got=$?
  set -e
  if [ "$got" -ne "$want" ]; then
    echo "!!! $pr: exit $got, expected $want"
    status=1
  fi
}
run pr-mixed 1
run pr-expand 0
run pr-contract 1
echo
[ "$status" -eq 0 ] && echo "demo: every PR got the expected verdict"
exit "$status"
