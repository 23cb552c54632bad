package main

import (
	"testing"

	"github.com/spf13/pflag"

	"github.com/patchscan/patchscan/detect"
)

// --checksums parses as detect.ParseChecksumMode does (its Set moved here
// from detect, which has no flags).
func TestChecksumFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    detect.ChecksumMode
		wantErr bool
	}{
		{"auto", detect.ChecksumAuto, false},
		{"", detect.ChecksumAuto, false},
		{"ON", detect.ChecksumOn, false},
		{" off ", detect.ChecksumOff, false},
		{"yes", detect.ChecksumAuto, true},
	}
	for _, tt := range tests {
		var m detect.ChecksumMode
		if err := (checksumFlag{&m}).Set(tt.in); (err != nil) != tt.wantErr || (err == nil && m != tt.want) {
			t.Errorf("Set(%q) = %v, mode %v", tt.in, err, m)
		}
	}
	var f scanFlags
	fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
	f.register(fs)
	if err := fs.Parse([]string{"--checksums", "off"}); err != nil || f.checksums != detect.ChecksumOff {
		t.Errorf("--checksums off: %v, mode %v", err, f.checksums)
	}
	if fl := fs.Lookup("checksums"); fl.DefValue != "auto" || fl.Value.Type() != "auto|on|off" {
		t.Errorf("--checksums default %q, type %q", fl.DefValue, fl.Value.Type())
	}
	if err := fs.Parse([]string{"--checksums", "sometimes"}); err == nil {
		t.Error("--checksums sometimes accepted")
	}
}
