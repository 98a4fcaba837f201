#!/usr/bin/env bash
# Installs what Detour needs on a fresh Debian machine with Node 20, as root:
#   bash scripts/setup.sh          the browsers and npm packages, to build and run the product
#   bash scripts/setup.sh --test   and what the tests add: Firefox's Russian, Persian and Arabic
#                                  language packs and Chromium's locales (the screenshots and the
#                                  right-to-left checks run the browsers in those languages),
#                                  certutil (to trust the lab's CA), iptables
#                                  and iproute2 (the lab's network), and PostgreSQL (the service's
#                                  report store is tested on it as well as on SQLite; the tests start
#                                  their own throw-away cluster, so Debian's default one is not needed)
# Anything already present is left alone; nothing is downloaded but Debian and npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
want() { # want <command-or-path> <debian package>
  if [[ $1 == /* ]]; then [[ -e $1 ]] || packages+=("$2"); else command -v "$1" >/dev/null 2>&1 || packages+=("$2"); fi
}
want chromium chromium
want firefox-esr firefox-esr
if [[ ${1:-} == --test ]]; then
  for lang in ru fa ar; do
    want "/usr/lib/firefox-esr/browser/extensions/langpack-$lang@firefox-esr.mozilla.org.xpi" "firefox-esr-l10n-$lang"
  done
  want /usr/lib/chromium/locales/fa.pak chromium-l10n
  want certutil libnss3-tools
  want iptables iptables
  want ip iproute2
  want openssl openssl
  want unshare util-linux
  compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || packages+=(postgresql)
fi

if ((${#packages[@]})); then
  echo "setup: installing ${packages[*]} with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# A clean install from the lock, unless node_modules already matches it.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
