package main

import (
	"testing"

	"github.com/spf13/pflag"

	"github.com/patchscan/patchscan/detect"
)

// --checksums parses as detect.ParseChecksumMode does (its Set moved here
// from detect, which has no flags).
func TestChecksumFlag(t *testing.T) {
	// The inputs of detect's TestParseChecksumMode, which holds what each
	// must give.
	for _, in := range []string{"auto", "", "ON", " off ", "yes"} {
		want, wantErr := detect.ParseChecksumMode(in)
		var m detect.ChecksumMode
		if err := (checksumFlag{&m}).Set(in); (err != nil) != (wantErr != nil) || (err == nil && m != want) {
			t.Errorf("Set(%q) = %v, mode %v; ParseChecksumMode: %v, %v", in, err, m, want, wantErr)
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
