package report

import (
	"testing"

	"github.com/patchscan/patchscan/detect"
)

func TestOSLine(t *testing.T) {
	tests := []struct {
		name string
		rep  detect.Report
		want string
	}{
		{"product name", detect.Report{OS: detect.OS{Product: "Windows 7 Professional", Version: "6.1", Build: "7601", ServicePack: 1}, Products: []detect.ProductRef{{ID: 1, Name: "Windows 7"}}},
			"Windows 7 Professional, version 6.1 build 7601, Service Pack 1"},
		{"samba: no ProductName, detected product", detect.Report{OS: detect.OS{Version: "6.1"}, Products: []detect.ProductRef{{ID: 10, Name: "Windows Server 2008 R2"}}},
			"Windows Server 2008 R2, version 6.1"},
		{"nothing known", detect.Report{}, ""},
		{"hostile name", detect.Report{Products: []detect.ProductRef{{Name: "evil\x1b[31m"}}}, "evil\ufffd[31m"},
	}
	for _, tt := range tests {
		if got := osLine(&tt.rep); got != tt.want {
			t.Errorf("%s: osLine = %q, want %q", tt.name, got, tt.want)
		}
	}
}
