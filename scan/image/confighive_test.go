package image

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/facts"
)

func TestAuditPolicyLayouts(t *testing.T) {
	// Windows XP / 2003: mode, nine option words, their count.
	xp := make([]byte, 44)
	xp[0] = 1
	binary.LittleEndian.PutUint32(xp[4+4*1:], 3) // logon: success and failure
	binary.LittleEndian.PutUint32(xp[4+4*6:], 1) // account management: success
	binary.LittleEndian.PutUint32(xp[40:], 9)
	p, err := auditPolicy(xp)
	if err != nil || !p.Enabled || len(p.Categories) != 9 {
		t.Fatalf("XP layout: %+v %v", p, err)
	}
	if l, _ := p.Setting("logon"); !l.Success || !l.Failure {
		t.Errorf("XP logon %+v", l)
	}
	if a, _ := p.Setting("account-management"); !a.Success || a.Failure {
		t.Errorf("XP account management %+v", a)
	}
	// Vista and later: two categories of 2 and 1 subcategories.
	v := make([]byte, 12+6+2+4)
	binary.LittleEndian.PutUint16(v[4:], 2)
	binary.LittleEndian.PutUint16(v[8:], 20)
	binary.LittleEndian.PutUint16(v[12:], 0) // system: sub 1
	binary.LittleEndian.PutUint16(v[14:], 2) // system: sub 2 failure
	binary.LittleEndian.PutUint16(v[16:], 1) // logon: success
	binary.LittleEndian.PutUint16(v[20:], 2)
	binary.LittleEndian.PutUint16(v[22:], 1)
	p, err = auditPolicy(v)
	if err != nil || len(p.Categories) != 2 || p.Categories[0] != (facts.AuditSetting{Category: "system", Failure: true}) ||
		p.Categories[1] != (facts.AuditSetting{Category: "logon", Success: true}) {
		t.Fatalf("Vista layout: %+v %v", p, err)
	}
	binary.LittleEndian.PutUint16(v[20:], 9) // more subcategories than fit
	if _, err := auditPolicy(v); err == nil {
		t.Error("a count running past the table was accepted")
	}
}

func TestMountType(t *testing.T) {
	const mi = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 22 8:17 / /mnt/win rw - ntfs3 /dev/sdb1 rw
41 22 8:18 / /mnt/usb\040stick rw - vfat /dev/sdb2 rw
42 40 0:50 / /mnt/win/fuse rw - fuseblk /dev/sdc1 rw
garbage line
`
	for dir, want := range map[string]string{"/mnt/win": "ntfs3", "/mnt/win/Windows": "ntfs3", "/mnt/usb stick/x": "vfat",
		"/mnt/winter": "ext4", "/mnt/win/fuse/a": "fuseblk", "/": "ext4"} {
		got, err := mountType(strings.NewReader(mi), dir)
		if err != nil || got != want {
			t.Errorf("%s: %q %v, want %q", dir, got, err, want)
		}
	}
}

// FuzzConfigHiveValues: the values the offline configuration facts come
// from are outside data; every parser returns an error or a value, never
// panics, and allocates by what the value holds.
func FuzzConfigHiveValues(f *testing.F) {
	f.Add([]byte{0x20, 0x02, 0, 0}, "Path=C:\\x\x00Type=0")
	xp := make([]byte, 44)
	binary.LittleEndian.PutUint32(xp[40:], 9)
	f.Add(xp, "Type=2147483648")
	f.Fuzz(func(t *testing.T, b []byte, lines string) {
		_, _ = userFlags(b)
		_, _, _ = userNames(b)
		_, _ = machineSID(b)
		if sids, err := aliasMembers(b); err == nil && len(sids)*8 > len(b) {
			t.Fatalf("%d SIDs from %d bytes", len(sids), len(b))
		}
		if p, err := auditPolicy(b); err == nil && len(p.Categories) > len(facts.AuditCategories) {
			t.Fatalf("%d categories", len(p.Categories))
		}
		_, _ = shareFromLines("s", strings.Split(lines, "\x00"))
		_, _ = mountType(strings.NewReader(string(b)), "/x")
	})
}
