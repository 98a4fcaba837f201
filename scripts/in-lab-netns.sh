#!/usr/bin/env bash
# Runs a command inside the censorship lab's network: a new network namespace that has only a loopback
# interface, and a private mount namespace whose /etc/resolv.conf and /etc/hosts point name resolution
# at the lab's own DNS server on 127.0.0.53. Nothing a test, a browser or the service sends can leave
# the machine from here: there is no route anywhere but loopback.
#
# Needs root (CI and these machines run as root). Nested calls run the command directly.
set -euo pipefail

if [ "${DETOUR_LAB_NETNS:-}" = 1 ]; then
  exec "$@"
fi
if [ "$(id -u)" != 0 ]; then
  echo "in-lab-netns: needs root for unshare --net (run as root, as CI does)" >&2
  exit 1
fi

exec unshare --net --mount --propagation private -- env DETOUR_LAB_NETNS=1 bash -c '
  set -euo pipefail
  ip link set lo up
  dir=$(mktemp -d /tmp/detour-lab-etc.XXXXXX)
  printf "nameserver 127.0.0.53\noptions timeout:1 attempts:1\n" > "$dir/resolv.conf"
  printf "127.0.0.1 localhost\n::1 localhost\n" > "$dir/hosts"
  mount --bind "$dir/resolv.conf" /etc/resolv.conf
  mount --bind "$dir/hosts" /etc/hosts
  exec "$@"
' bash "$@"
