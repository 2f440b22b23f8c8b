#!/usr/bin/env bash
# Installs what `npm run image:test` needs from Debian, only when missing (root; CI on a fresh
# machine). buildah builds; podman + runc run the image (crun refuses this machine's hybrid cgroup
# layout); debootstrap assembles the stand-in base. No recommends: slirp/fuse extras are not used.
set -euo pipefail
packages=(buildah podman runc debootstrap)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "image-test: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
