#!/bin/sh
# Rebuilds the lab's PE fixtures (srv-<version>.sys) with mingw-w64.
# Usage: testdata/lab/pe/build.sh   (needs gcc-mingw-w64-x86-64, binutils-mingw-w64-x86-64)
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for v in 6.1.7601.17514 6.1.7601.23689 6.1.7601.24000; do
	IFS=. read -r a b c d <<EOV
$v
EOV
	sed -e "s/@MAJOR@/$a/g" -e "s/@MINOR@/$b/g" -e "s/@BUILD@/$c/g" -e "s/@REV@/$d/g" srv.rc.in >"$tmp/srv.rc"
	x86_64-w64-mingw32-windres -O coff -i "$tmp/srv.rc" -o "$tmp/srv.res.o"
	x86_64-w64-mingw32-gcc -Os -s -nostdlib -shared -Wl,--entry=DriverEntry \
		-Wl,--no-insert-timestamp -o "srv-$v.sys" stub.c "$tmp/srv.res.o"
done
