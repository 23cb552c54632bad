package ndr

import (
	"encoding/hex"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/testenv"
)

// impacketScript encodes sampleCall's value with impacket's own NDR types
// (LSAT's PLSAPR_REFERENCED_DOMAIN_LIST, as in LsarLookupSids), prints it
// in hex, then decodes the hex given on stdin (ours) and prints what it
// read.
const impacketScript = `
import sys
from impacket.dcerpc.v5 import lsat, lsad
from impacket.dcerpc.v5.ndr import NDRCALL
from impacket.dcerpc.v5.dtypes import RPC_SID, ULONG

class T(NDRCALL):
    structure = (('List', lsat.PLSAPR_REFERENCED_DOMAIN_LIST), ('Tail', ULONG))

t = T()
t['List']['Entries'] = 2
t['List']['MaxEntries'] = 32
for name, sid in [('BUILTIN', 'S-1-5-32'), ('LAB', 'S-1-5-21-1-2-3')]:
    e = lsad.LSAPR_TRUST_INFORMATION()
    e['Name'] = name
    s = RPC_SID()
    s.fromCanonical(sid)
    e['Sid'] = s
    t['List']['Domains'].append(e)
t['Tail'] = 0xdeadbeef
print(t.getData().hex())

ours = T(bytes.fromhex(sys.stdin.read().strip()))
print(ours['List']['Entries'], ours['List']['MaxEntries'], ours['Tail'])
for e in ours['List']['Domains']:
    print(e['Name'], e['Sid'].formatCanonical())
`

// TestImpacketNDR: impacket (written by others) and this package agree on
// the layout of nested pointers, conformant arrays, counted strings and a
// conformant struct, both ways.
func TestImpacketNDR(t *testing.T) {
	testenv.PythonModule(t, "impacket", "python3-impacket")
	ours, err := Marshal(sampleCall())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testenv.Python, "-c", impacketScript)
	cmd.Stdin = strings.NewReader(hex.EncodeToString(ours))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("impacket: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 4 {
		t.Fatalf("impacket printed:\n%s", out)
	}
	theirs, err := hex.DecodeString(lines[0])
	if err != nil {
		t.Fatal(err)
	}
	var got call
	if err := Unmarshal(theirs, &got); err != nil {
		t.Fatalf("decoding impacket's encoding: %v", err)
	}
	if !reflect.DeepEqual(&got, sampleCall()) {
		t.Errorf("impacket's encoding decodes to %+v", got)
	}
	want := []string{"2 32 3735928559", "BUILTIN S-1-5-32", "LAB S-1-5-21-1-2-3"}
	if !reflect.DeepEqual(lines[1:], want) {
		t.Errorf("impacket decodes ours as %q, want %q", lines[1:], want)
	}
}
