package history

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// brief writes a change as one comparable line.
func brief(c Change) string {
	s := fmt.Sprintf("%s %s %s/%s %s->%s", c.Kind, c.Host, c.Bulletin, c.KB, c.Before, c.After)
	if c.Check != "" {
		s = fmt.Sprintf("%s %s check %s %s->%s", c.Kind, c.Host, c.Check, c.Before, c.After)
	}
	return s
}

func TestDiff(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			week := 7 * 24 * time.Hour
			same := host("same", "127.0.0.1", t0, "MS17-010/KB4012212=missing", "MS08-067/KB958644=installed")
			changed := host("changed", "127.0.0.2", t0, "MS17-010/KB4012212=missing", "MS08-067/KB958644=installed",
				"MS09-050/KB975517=warning", "MS10-061/KB2347290=note")
			changed.Checks = []CheckRecord{{ID: "smb1", Status: "fail"}, {ID: "guest-account", Status: "pass"}}
			goes := host("goes", "127.0.0.3", t0)
			downLater := host("down-later", "127.0.0.4", t0, "MS17-010/KB4012212=missing")
			upLater := unreachable("up-later", "127.0.0.5", t0)
			record(t, s, RunInfo{Started: t0}, same, changed, goes, downLater, upLater)

			t1 := t0.Add(week)
			same2 := host("SAME", "127.0.0.1", t1, "MS17-010/KB4012212=missing", "MS08-067/KB958644=installed")
			changed2 := host("changed", "127.0.0.2", t1, "MS17-010/KB4012212=installed", "MS08-067/KB958644=missing",
				"MS09-050/KB975517=installed", "MS12-020/KB2621440=missing")
			changed2.Checks = []CheckRecord{{ID: "smb1", Status: "pass"}, {ID: "autologon", Status: "fail"}}
			comes := host("comes", "127.0.0.6", t1)
			downLater2 := unreachable("down-later", "127.0.0.4", t1)
			upLater2 := host("up-later", "127.0.0.5", t1, "MS17-010/KB4012212=missing")
			record(t, s, RunInfo{Started: t1}, same2, changed2, comes, downLater2, upLater2)

			rs := runs(t, s, RunFilter{})
			changes, err := s.Diff(context.Background(), rs[1], rs[0])
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, brief(c))
			}
			want := []string{
				"missing changed MS08-067/KB958644 installed->missing",
				"missing changed MS12-020/KB2621440 absent->missing",
				"fixed changed MS17-010/KB4012212 missing->installed",
				"changed changed MS09-050/KB975517 warning->installed",
				"changed changed MS10-061/KB2347290 note->absent",
				"check changed check autologon absent->fail",
				"check changed check guest-account pass->absent",
				"check changed check smb1 fail->pass",
				"host-appeared comes / absent->scanned",
				"host-status down-later / scanned->unreachable",
				"host-disappeared goes / scanned->absent",
				"host-status up-later / unreachable->scanned",
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("changes:\n got %q\nwant %q", got, want)
			}
			for _, c := range changes {
				if c.Kind == ChangeMissing && (!c.Due.Equal(day("2017-03-15")) || !c.Overdue) {
					t.Errorf("%s: due %v overdue %v, want 2017-03-15 true", brief(c), c.Due, c.Overdue)
				}
				if c.Host == "changed" && c.Address != "127.0.0.2" {
					t.Errorf("%s: address %q", brief(c), c.Address)
				}
			}

			// A run compared with itself has no change.
			if none, err := s.Diff(context.Background(), rs[0], rs[0]); err != nil || len(none) != 0 {
				t.Errorf("run against itself: %v, %v", none, err)
			}
		})
	}
}

// Only a missing result that became installed, superseded or not
// applicable is "fixed"; missing -> error proves nothing.
func TestResultChangeKinds(t *testing.T) {
	h := &HostState{Key: "n:h", HostRecord: HostRecord{Name: "h"}}
	for _, tt := range []struct{ before, after, kind string }{
		{"installed", "missing", ChangeMissing},
		{Absent, "missing", ChangeMissing},
		{"missing", "installed", ChangeFixed},
		{"missing", "superseded", ChangeFixed},
		{"missing", Absent, ChangeFixed},
		{"missing", "error", ChangeResult},
		{"missing", "warning", ChangeResult},
		{"note", Absent, ChangeResult},
		{"installed", "warning", ChangeResult},
	} {
		c := resultChange(h, &ResultRecord{}, tt.before, tt.after)
		if c.Kind != tt.kind {
			t.Errorf("%s -> %s: kind %s, want %s", tt.before, tt.after, c.Kind, tt.kind)
		}
	}
}

// TestHostIdentityAcrossStatuses: a host is known by the name it gives
// itself; when it stops answering (no name to give) it is the host last
// seen at its address, and a host first seen only by its address keeps
// that history once it says its name. Either way diff says "host-status",
// never "disappeared" and "appeared".
func TestHostIdentityAcrossStatuses(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			s, _ := b.open(t)
			week := 7 * 24 * time.Hour
			record(t, s, RunInfo{Started: t0}, host("WS01", "10.0.0.5", t0), unreachable("", "10.0.0.9", t0))
			record(t, s, RunInfo{Started: t0.Add(week)}, unreachable("", "10.0.0.5", t0.Add(week)), host("SRV9", "10.0.0.9", t0.Add(week)))
			rs := runs(t, s, RunFilter{})
			changes, err := s.Diff(context.Background(), rs[1], rs[0])
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, brief(c))
			}
			want := []string{"host-status SRV9 / unreachable->scanned", "host-status WS01 / scanned->unreachable"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("changes %q, want %q", got, want)
			}
			tl, err := s.Timeline(context.Background(), "srv9", 0)
			if err != nil || len(tl) != 2 {
				t.Errorf("SRV9's timeline: %d scans, %v", len(tl), err)
			}
		})
	}
}
