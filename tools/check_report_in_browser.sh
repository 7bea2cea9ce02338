#!/usr/bin/env bash
# Loads an HTML report of `peftbench report` in headless Chromium and checks that every plot
# rendered: the page's own inline check marks each <figure class="plot"> data-rendered="ok" once
# its SVG has a non-empty layout box and drawn marks, and sets <body data-plots="ok/total">.
#
#   tools/check_report_in_browser.sh results/smoke/report.html
#
# Installs Debian's chromium with apt-get when no chromium is on PATH (needs root).
set -euo pipefail

html="${1:?usage: $0 REPORT.html}"
[[ -f "$html" ]] || { echo "no such file: $html" >&2; exit 1; }

browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [[ -z "$browser" ]]; then
  echo "installing chromium (apt-get)..." >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  browser="$(command -v chromium)"
fi

abs="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
dom="$(mktemp)"
trap 'rm -f "$dom"' EXIT
# --virtual-time-budget lets the load event and the inline check run before the DOM is dumped.
"$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --virtual-time-budget=5000 --dump-dom "file://$abs" >"$dom" 2>/dev/null

total="$(grep -o '<figure class="plot"' "$dom" | wc -l)"
ok="$(grep -o 'data-rendered="ok"' "$dom" | wc -l)"
summary="$(grep -o 'data-plots="[0-9]*/[0-9]*"' "$dom" | head -n1 || true)"
echo "$(basename "$browser"): $ok of $total plots rendered ($summary) in $html"
if [[ "$total" -eq 0 || "$ok" -ne "$total" ]]; then
  grep -o 'data-plot="[a-z]*"[^>]*data-rendered="[a-z]*"' "$dom" | grep -v '"ok"' >&2 || true
  echo "FAIL: not every plot rendered" >&2
  exit 1
fi
echo "OK"
