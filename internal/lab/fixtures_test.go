package lab

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/internal/testenv"
)

// The lab's srv.sys fixtures carry the version their name says, as
// python3-pefile (a PE reader nobody here wrote) reads it.
func TestFixtureVersionsMatchPefile(t *testing.T) {
	testenv.PythonModule(t, "pefile", "python3-pefile")
	const script = `import pefile, sys
for f in sys.argv[1:]:
    p = pefile.PE(f, fast_load=True)
    p.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY['IMAGE_DIRECTORY_ENTRY_RESOURCE']])
    ff = p.VS_FIXEDFILEINFO[0]
    print("%d.%d.%d.%d" % (ff.FileVersionMS >> 16, ff.FileVersionMS & 0xffff, ff.FileVersionLS >> 16, ff.FileVersionLS & 0xffff))
`
	fixtures := []string{SrvOld, SrvExact, SrvNewer}
	args := []string{"-c", script}
	for _, f := range fixtures {
		args = append(args, filepath.Join(RepoRoot(), f))
	}
	out, err := exec.Command(testenv.Python, args...).Output()
	if err != nil {
		t.Fatalf("pefile: %v", err)
	}
	got := strings.Fields(string(out))
	if len(got) != len(fixtures) {
		t.Fatalf("pefile printed %q", out)
	}
	for i, f := range fixtures {
		want := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "srv-"), ".sys")
		if got[i] != want {
			t.Errorf("%s: pefile reads %s", f, got[i])
		}
	}
}
