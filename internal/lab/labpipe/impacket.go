package labpipe

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/lab"
	"github.com/patchscan/patchscan/internal/testenv"
)

// Impacket reads what impacket's own RPC client of iface ("samr", "lsad",
// "srvs", "scmr") sees on h (testdata/lab/rpc_dump.py, with args) into v,
// from JSON.
// Without python3-impacket the test is skipped, and fails when CI=true.
func Impacket(t testing.TB, l *lab.Lab, h *lab.Host, iface string, v any, args ...string) {
	t.Helper()
	testenv.PythonModule(t, "impacket", "python3-impacket")
	cmd := exec.Command(testenv.Python, append([]string{filepath.Join(lab.RepoRoot(), "testdata", "lab", "rpc_dump.py"),
		h.IP, strconv.Itoa(h.Port), l.Domain, h.User, iface}, args...)...)
	cmd.Env = append(os.Environ(), "PATCHSCAN_PASSWORD="+h.Password)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rpc_dump.py %s: %v: %s", iface, err, stderr.String())
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("rpc_dump.py %s: %v\n%s", iface, err, out)
	}
}
