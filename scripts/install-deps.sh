#!/usr/bin/env bash
# Installs the Debian packages listed in deps/debian-packages.txt that are not
# installed yet. Does nothing (and needs no root) when all are present.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
list="$here/deps/debian-packages.txt"

# A line is a package name, optionally followed by "unless-command=CMD": the
# package is then not needed when CMD is already on PATH (installed outside
# apt, e.g. Node.js from another repository, whose npm is bundled).
missing=()
while read -r pkg condition _; do
  [ -n "$pkg" ] || continue
  if [[ "$condition" == unless-command=* ]] &&
     command -v "${condition#unless-command=}" >/dev/null 2>&1; then
    continue
  fi
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$pkg")
done < <(sed -e 's/#.*//' "$list")

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
