#!/bin/sh
# Rebuilds the PE fixtures in testdata/pe from these sources with mingw-w64
# (Debian: gcc-mingw-w64-x86-64, binutils-mingw-w64-x86-64). Run it through
# `make pe-fixtures`. The output is byte-identical from run to run:
# timestamps are left out (--no-insert-timestamp) and nothing else varies.
# The expected versions are listed in testdata/pe/README.md and checked by
# internal/pe/fixtures_test.go.
set -eu
cd "$(dirname "$0")"
out=..
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CC=x86_64-w64-mingw32-gcc
LD=x86_64-w64-mingw32-ld
WINDRES=x86_64-w64-mingw32-windres
CFLAGS="-Os -ffreestanding -fno-asynchronous-unwind-tables -fno-ident"

# version_rc FILE_VERSION PRODUCT_VERSION FILE_VERSION_STRING DESC NAME FILETYPE
version_rc() {
	sed -e "s/@FV@/$(echo "$1" | tr . ,)/" -e "s/@PV@/$(echo "$2" | tr . ,)/" \
		-e "s/@FVS@/$3/" -e "s/@PVS@/$2/" -e "s/@DESC@/$4/" -e "s/@NAME@/$5/" \
		-e "s/@FILETYPE@/$6/" version.rc.in >"$tmp/version.rc"
}

# res ARCH [RC...]: compile resource scripts into one COFF object.
res() {
	arch=$1
	shift
	target=pe-x86-64
	[ "$arch" = x86 ] && target=pe-i386
	cat "$@" >"$tmp/all.rc"
	$WINDRES -F $target -O coff -I . -i "$tmp/all.rc" -o "$tmp/res.o"
}

# link ARCH KIND OUT [OBJ...]: KIND is exe, dll or sys. The images are
# linked by ld directly, without a C runtime, stripped.
link() {
	arch=$1 kind=$2 o=$3
	shift 3
	case $kind in
	dll) kflags="--dll" ;;
	sys) kflags="--subsystem=native" ;;
	*) kflags="--subsystem=console" ;;
	esac
	if [ "$arch" = x86 ]; then
		# i386 symbols carry a leading underscore.
		$CC -m32 $CFLAGS -c stub.c -o "$tmp/stub.o"
		$LD -m i386pe -T i386pe-min.ld -e _entry $kflags --no-insert-timestamp -s \
			-o "$out/$o" "$tmp/stub.o" "$@"
	else
		$CC $CFLAGS -c stub.c -o "$tmp/stub.o"
		$LD -m i386pep -e entry $kflags --no-insert-timestamp -s \
			-o "$out/$o" "$tmp/stub.o" "$@"
	fi
}

# srv.sys-like drivers at the versions the lab compares against
# MS17-010's 6.1.7601.23689: older, equal, newer.
for v in 6.1.7601.17514 6.1.7601.23689 6.1.7601.24000; do
	version_rc $v $v "$v (win7sp1_ldr.170209-0600)" "Server driver" SRV.SYS 0x3
	res x64 "$tmp/version.rc"
	link x64 sys "srv-$v.sys" "$tmp/res.o"
done

# Executables, 64- and 32-bit; the x64 one's product version differs from
# its file version, and its FileVersion string is free text.
version_rc 1.2.3.4 1.2.0.0 "1.2.3.4 (fixture build)" "x64 console program" HELLO.EXE 0x1
res x64 "$tmp/version.rc"
link x64 exe hello-x64-1.2.3.4.exe "$tmp/res.o"

version_rc 5.1.2600.5512 5.1.2600.5512 "5.1.2600.5512 (xpsp.080413-2111)" "x86 console program" HELLO.EXE 0x1
res x86 "$tmp/version.rc"
link x86 exe hello-x86-5.1.2600.5512.exe "$tmp/res.o"

# DLLs with several resource types.
version_rc 10.0.17763.1 10.0.17763.1 "10.0.17763.1 (WinBuild.160101.0800)" "x64 library" PATCHLIB.DLL 0x2
res x64 "$tmp/version.rc" extra.rc
link x64 dll patchlib-x64-10.0.17763.1.dll "$tmp/res.o"

version_rc 6.3.9600.18895 6.3.9600.18895 "6.3.9600.18895 (winblue_ltsb.171208-0600)" "x86 library" PATCHLIB.DLL 0x2
res x86 "$tmp/version.rc" extra.rc
link x86 dll patchlib-x86-6.3.9600.18895.dll "$tmp/res.o"

# Images without a version resource: one with no resources at all, one
# with resources but no RT_VERSION.
link x64 exe noversion-x64.exe
res x86 extra.rc
link x86 dll noversion-x86.dll "$tmp/res.o"
