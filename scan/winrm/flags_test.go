package winrm

import (
	"testing"

	"github.com/spf13/pflag"
)

func TestAddFlags(t *testing.T) {
	tests := []struct {
		args []string
		want Config
		ok   bool
	}{
		{nil, Config{HTTPS: true}, true},
		{[]string{"--winrm-https=false"}, Config{}, true},
		{[]string{"--winrm-ca", "ca.pem", "--winrm-basic"}, Config{HTTPS: true, CAFile: "ca.pem", Basic: true}, true},
		{[]string{"--winrm-insecure"}, Config{HTTPS: true, Insecure: true}, true},
		{[]string{"--winrm-https=false", "--winrm-basic"}, Config{Basic: true}, false}, // Validate refuses
	}
	for _, tc := range tests {
		c := DefaultConfig()
		fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
		c.AddFlags(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if c != tc.want {
			t.Errorf("%v: config %+v, want %+v", tc.args, c, tc.want)
		}
		if tc.want.CAFile == "" {
			if err := c.Validate(); (err == nil) != tc.ok {
				t.Errorf("%v: Validate = %v, want ok=%v", tc.args, err, tc.ok)
			}
		}
	}
}
