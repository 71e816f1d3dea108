#!/usr/bin/env bash
# Installs the system libraries this package links against:
#   libsodium-dev (Ed25519, random bytes), libssl-dev (OpenSSL libcrypto: SHA-1, SHA-256),
#   libvterm-dev (the terminal emulator state machine of terminal sharing), zlib1g-dev (compressed screen
#   frames), pkg-config; and tmux and vi, which the terminal-sharing tests drive both sides in. As root also
#   iproute2 (ip) and nftables (nft), which the network-namespace tests and their NAT routers use (they run as
#   root only, so nothing is installed for them otherwise).
# Installs only what pkg-config says is missing, runs `apt-get update` at most once (only when something is
# missing), and says what it did. Run by scripts/test.sh and scripts/demo.sh; safe to run again.
set -euo pipefail

need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1; then
  pkg-config --exists libsodium || need+=(libsodium-dev)
  pkg-config --exists libcrypto || need+=(libssl-dev)
  pkg-config --exists vterm || need+=(libvterm-dev)
  pkg-config --exists zlib || need+=(zlib1g-dev)
else
  need+=(libsodium-dev libssl-dev libvterm-dev zlib1g-dev)
fi
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v vi >/dev/null 2>&1 || need+=(vim-tiny)
root=no
if [ "$(id -u)" -eq 0 ]; then
  root=yes
  command -v ip >/dev/null 2>&1 || need+=(iproute2)
  command -v nft >/dev/null 2>&1 || need+=(nftables)
fi

if [ ${#need[@]} -eq 0 ]; then
  tools="$(tmux -V)"
  [ "$root" = yes ] && tools="$tools, ip and nft"
  echo "setup: libsodium $(pkg-config --modversion libsodium), libcrypto $(pkg-config --modversion libcrypto), libvterm $(pkg-config --modversion vterm), zlib $(pkg-config --modversion zlib) and $tools already installed."
  exit 0
fi

echo "setup: missing system packages: ${need[*]}"
if [ "$root" = no ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "setup: error: not root and no sudo. Install them yourself: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: error: apt-get not found. Install the equivalents of: ${need[*]} (pkg-config must find libsodium, libcrypto, vterm and zlib)." >&2
  exit 1
fi
echo "setup: apt-get update"
if ! $SUDO apt-get update -qq; then
  echo "setup: error: apt-get update failed (no network, or a broken source list; see above). Install them yourself: apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "setup: apt-get install -y ${need[*]}"
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null; then
  echo "setup: error: apt-get install -y ${need[*]} failed (see above)." >&2
  exit 1
fi

for lib in libsodium libcrypto vterm zlib; do
  if ! pkg-config --exists "$lib"; then
    echo "setup: error: pkg-config still cannot find $lib after installing. Check PKG_CONFIG_PATH." >&2
    exit 1
  fi
done
if [ "$root" = yes ]; then
  for tool in ip nft; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "setup: error: $tool is still not on PATH after installing (it is in /usr/sbin: is that on PATH?)." >&2
      exit 1
    fi
  done
fi
echo "setup: installed ${need[*]}; libsodium $(pkg-config --modversion libsodium), libcrypto $(pkg-config --modversion libcrypto), libvterm $(pkg-config --modversion vterm), zlib $(pkg-config --modversion zlib)."
