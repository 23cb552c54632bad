package winrm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// No PowerShell runs here, so the collector is at least parsed by a real
// PowerShell grammar (issue 13.20): tree-sitter-powershell from the npm
// registry, driven by testdata/psparse/parse.mjs under Node. Every script
// this package sends is checked, as sent (compacted) and as written, so a
// change to the collector is validated by `make test` before it ships.
// scripts/install-deps installs Node and the grammar (npm ci); without
// them the test skips locally and fails under CI=true.

// psParseDir holds parse.mjs, its package.json and package-lock.json.
var psParseDir = filepath.Join("testdata", "psparse")

// psProblem is an ERROR or MISSING node that parse.mjs found.
type psProblem struct {
	Kind   string `json:"kind"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Text   string `json:"text"`
}

type psParse struct {
	OK       bool        `json:"ok"`
	Root     string      `json:"root"`
	Problems []psProblem `json:"problems"`
}

// psParser returns a function parsing PowerShell source with the real
// grammar, or skips (fails under CI=true) when Node or the grammar is not
// installed.
func psParser(t *testing.T) func(src string) psParse {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("PowerShell grammar unavailable under CI=true: %s (scripts/install-deps installs it)", why)
		}
		t.Skipf("PowerShell grammar unavailable (set CI=true to make this fatal): %s; run scripts/install-deps", why)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("no node on PATH")
	}
	if _, err := os.Stat(filepath.Join(psParseDir, "node_modules", "tree-sitter-powershell")); err != nil {
		missing("tree-sitter-powershell not installed under " + psParseDir + " (npm ci --prefix " + psParseDir + ")")
	}
	return func(src string) psParse {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, node, "parse.mjs")
		cmd.Dir = psParseDir
		cmd.Stdin = strings.NewReader(src)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
			t.Fatalf("parse.mjs: %v\n%s", err, stderr.String())
		}
		var res psParse
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("parse.mjs printed %q: %v\n%s", out, err, stderr.String())
		}
		return res
	}
}

// sentScripts are the PowerShell scripts this package sends, by name.
func sentScripts(t *testing.T) map[string]string {
	decoded, err := DecodeCommandLine(CommandLine())
	if err != nil {
		t.Fatalf("DecodeCommandLine(CommandLine()): %v", err)
	}
	return map[string]string{
		"collector as written":                       collectorScript,
		"collector as sent (compacted)":              CollectorScript(),
		"collector decoded from its -EncodedCommand": decoded,
	}
}

func TestCollectorIsPowerShell(t *testing.T) {
	parse := psParser(t)
	for name, src := range sentScripts(t) {
		res := parse(src)
		if res.OK && res.Root == "program" {
			continue
		}
		var b strings.Builder
		for _, p := range res.Problems {
			b.WriteString("\n\t")
			b.WriteString(p.Kind + " at line " + strconv.Itoa(p.Line) + ", column " + strconv.Itoa(p.Column) + ": " + p.Text)
		}
		t.Errorf("%s does not parse as PowerShell (root %s):%s\n--- script ---\n%s", name, res.Root, b.String(), src)
	}
}

// TestPowerShellGrammarFindsErrors proves the check can fail: scripts
// broken the ways an edit breaks them are rejected, with the place.
func TestPowerShellGrammarFindsErrors(t *testing.T) {
	parse := psParser(t)
	script := CollectorScript()
	last := strings.LastIndex(script, "}")
	broken := map[string]string{
		"a closing brace dropped": script[:last] + script[last+1:],
		"an unclosed string":      "$a = 'x\n" + script,
		"an unclosed parenthesis": strings.Replace(script, "$hv[$f[1]]", "$hv[$f[1]", 1),
		"a dangling operator":     script + "\n$x = 1 -eq\n",
	}
	for name, src := range broken {
		if res := parse(src); res.OK {
			t.Errorf("the collector with %s parsed cleanly; the grammar check would not catch it", name)
		} else if len(res.Problems) == 0 && res.Root != "ERROR" {
			t.Errorf("the collector with %s: not OK, but no problem located", name)
		}
	}
}
