#!/usr/bin/env bash
# Points action.yml's `runs.image` at a published image, pinned by digest, for a release commit:
#   scripts/pin-image.sh --image ghcr.io/OWNER/shipgate --version 1.4.0 --digest sha256:HEX [FILE]
# writes `image: docker://ghcr.io/owner/shipgate:1.4.0@sha256:HEX` in FILE (default action.yml).
# The runner pulls by digest, so the tag can never be moved under a user; the tag stays in the
# reference for people reading it. main keeps `image: Dockerfile` (`uses: ./` tests the code at
# hand); only release commits carry this line. Fails, changing nothing, on a malformed version,
# digest or image name, or when FILE has no single `image:` under `runs:`.
set -euo pipefail

usage() {
  echo "usage: $0 --image REGISTRY/OWNER/NAME --version X.Y.Z --digest sha256:HEX [action.yml]" >&2
  exit 2
}

image="" version="" digest="" file="action.yml"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --image) image="${2:-}"; shift 2 ;;
    --version) version="${2:-}"; shift 2 ;;
    --digest) digest="${2:-}"; shift 2 ;;
    -h | --help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) file="$1"; shift ;;
  esac
done
if [ -z "$image" ] || [ -z "$version" ] || [ -z "$digest" ]; then usage; fi

# Registries want lower-case repository names; GitHub owners may have capitals.
image="$(printf '%s' "$image" | tr '[:upper:]' '[:lower:]')"
image="${image#docker://}"
version="${version#v}"
if ! [[ "$image" =~ ^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+$ ]]; then
  echo "not an image name without tag: $image" >&2
  exit 1
fi
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "not a semantic version: $version" >&2
  exit 1
fi
if ! [[ "$digest" =~ ^sha256:[0-9a-f]{64}$ ]]; then
  echo "not a sha256 digest: $digest" >&2
  exit 1
fi
[ -f "$file" ] || { echo "$file: no such file" >&2; exit 1; }

ref="docker://$image:$version@$digest"
tmp="$(mktemp "$file.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
# Only the `image:` key directly under the top-level `runs:` block changes.
if ! awk -v ref="$ref" '
  /^[^ #]/ { in_runs = ($0 ~ /^runs:[ \t]*$/) }
  in_runs && /^  image:/ { print "  image: " ref; n++; next }
  { print }
  END { if (n != 1) exit 3 }
' "$file" >"$tmp"; then
  echo "$file: expected exactly one image: under runs:" >&2
  exit 1
fi
if ! grep -q '^  using: docker' "$tmp"; then
  echo "$file: runs.using is not docker" >&2
  exit 1
fi
cat "$tmp" >"$file"
echo "$file: image: $ref"
