#!/bin/sh
# Downloads a Debian source package (without unpacking it) into /out.
# Runs as root in a throwaway container made from the base image.
# Usage: fetch-debian-source.sh PACKAGE [APT_OPTION...]
set -eu
package="$1"; shift

# Enable deb-src for both layouts: one-line sources.list (bootstrapped bases)
# and deb822 *.sources files (official debian images).
if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/gilbench-src.list
fi
for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] && sed -i 's/^Types: deb$/Types: deb deb-src/' "$f"
done

apt-get "$@" update -q
mkdir -p /out
cd /out
apt-get "$@" source -q --download-only "$package"
ls -l /out
