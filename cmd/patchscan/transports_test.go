package main

import (
	"testing"

	"github.com/spf13/pflag"

	"github.com/patchscan/patchscan/scan/winrm"
)

func TestRegisterWinRM(t *testing.T) {
	tests := []struct {
		args []string
		want winrm.Config
		ok   bool
	}{
		{nil, winrm.Config{HTTPS: true}, true},
		{[]string{"--winrm-https=false"}, winrm.Config{}, true},
		{[]string{"--winrm-ca", "ca.pem", "--winrm-basic"}, winrm.Config{HTTPS: true, CAFile: "ca.pem", Basic: true}, true},
		{[]string{"--winrm-insecure"}, winrm.Config{HTTPS: true, Insecure: true}, true},
		{[]string{"--winrm-https=false", "--winrm-basic"}, winrm.Config{Basic: true}, false}, // Validate refuses
	}
	for _, tc := range tests {
		c := winrm.DefaultConfig()
		fs := pflag.NewFlagSet("scan", pflag.ContinueOnError)
		registerWinRM(fs, &c)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if c.HTTPS != tc.want.HTTPS || c.Insecure != tc.want.Insecure || c.CAFile != tc.want.CAFile || c.Basic != tc.want.Basic || c.Port != 0 {
			t.Errorf("%v: config %+v, want %+v", tc.args, c, tc.want)
		}
		if tc.want.CAFile == "" {
			if err := c.Validate(); (err == nil) != tc.ok {
				t.Errorf("%v: Validate = %v, want ok=%v", tc.args, err, tc.ok)
			}
		}
	}
}
