#!/usr/bin/env bash
# Builds every target (Chrome MV3, Firefox MV2, Firefox MV3) and, where a display exists, starts
# Chromium with Detour loaded in a fresh profile. Without a display it says where the builds are.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run -s build
out=$PWD/.output
if [[ -n ${DISPLAY:-}${WAYLAND_DISPLAY:-} ]] && command -v chromium >/dev/null 2>&1; then
  profile=$(mktemp -d /tmp/detour-profile.XXXXXX)
  echo "Starting Chromium with Detour (profile $profile)..."
  exec chromium --user-data-dir="$profile" --no-first-run \
    --disable-extensions-except="$out/chrome-mv3" --load-extension="$out/chrome-mv3" about:blank
fi
cat <<MSG

Detour is built. No display here, so nothing was started. To load it:
  Chrome/Chromium: chrome://extensions > Developer mode > Load unpacked > $out/chrome-mv3
  Firefox:         about:debugging#/runtime/this-firefox > Load Temporary Add-on > $out/firefox-mv2/manifest.json
                   (Manifest V3 build: $out/firefox-mv3; Android: web-ext run -t firefox-android -s $out/firefox-mv2)
  The control service: npm run server   (see server/README.md)
MSG
