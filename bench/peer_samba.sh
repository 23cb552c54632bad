#!/bin/bash
# Benchmark peer (issue 7): Samba's own clients driven by a shell loop, as an
# administrator would script them, reading the same facts patchscan reads.
#
# Usage: peer_samba.sh FACTS.tsv AUTHFILE HOST PORT
#   FACTS.tsv  lines "reg<TAB>KEY<TAB>NAME", "key<TAB>KEY" or "file<TAB>SHARE<TAB>PATH"
#              (written by `go run ./bench`; KEY relative to HKLM)
#   AUTHFILE   smbclient/net authentication file (username=, password=,
#              domain=), so the password is never on a command line
# One `net rpc registry getvalue` per value (each a whole connection,
# session, pipe and bind), one `smbclient -c get` per file. Prints
# "wall=SECONDS ok=N failed=M".
set -u
facts=$1 auth=$2 host=$3 port=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A client configuration of its own: nothing from /etc/samba/smb.conf.
conf=$tmp/client.conf
printf '[global]\n\tclient min protocol = SMB2_02\n\tclient signing = required\n' >"$conf"
ok=0 failed=0
start=$(date +%s.%N)
while IFS=$'\t' read -r kind a b; do
	case $kind in
	reg) net -s "$conf" rpc registry getvalue "HKLM\\$a" "$b" -I "$host" -p "$port" -A "$auth" >/dev/null 2>&1 ;;
	key) net -s "$conf" rpc registry enumerate "HKLM\\$a" -I "$host" -p "$port" -A "$auth" >/dev/null 2>&1 ;;
	file) smbclient -s "$conf" "//$host/$a" -p "$port" -A "$auth" -c "get \"$b\" $tmp/f" >/dev/null 2>&1 ;;
	*) continue ;;
	esac
	if [ $? -eq 0 ]; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
done <"$facts"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" -v ok=$ok -v f=$failed 'BEGIN { printf "wall=%.3f ok=%d failed=%d\n", e - s, ok, f }'
