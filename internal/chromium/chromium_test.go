package chromium

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProblemsAreSeen: the harness must be able to fail a page. A page
// that throws, logs an error and fetches something is reported three
// times over; a clean page is not.
func TestProblemsAreSeen(t *testing.T) {
	b := Start(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.html")
	good := filepath.Join(dir, "good.html")
	os.WriteFile(bad, []byte(`<!DOCTYPE html><title>bad</title><img src="http://example.invalid/x.png"><script>console.error("boom"); undefinedFunction();</script>`), 0o644)
	os.WriteFile(good, []byte(`<!DOCTYPE html><title>good</title><p id="p">hello</p><script>document.body.dataset.ready = "1";</script>`), 0o644)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := b.NewPage(ctx, 800, 600)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Navigate(ctx, "file://"+bad); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // late events
	got := strings.Join(p.Problems(), "\n")
	for _, want := range []string{"exception:", "console.error", "network request: http://example.invalid/x.png"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems of the bad page lack %q:\n%s", want, got)
		}
	}

	p2, err := b.NewPage(ctx, 800, 600)
	if err != nil {
		t.Fatal(err)
	}
	if err := p2.Navigate(ctx, "file://"+good); err != nil {
		t.Fatal(err)
	}
	if err := p2.WaitFor(ctx, `document.body.dataset.ready === "1"`); err != nil {
		t.Fatal(err)
	}
	var text string
	if err := p2.Eval(ctx, `document.getElementById("p").textContent`, &text); err != nil || text != "hello" {
		t.Errorf("eval: %q, %v", text, err)
	}
	if probs := p2.Problems(); len(probs) != 0 {
		t.Errorf("a clean page has problems: %v", probs)
	}
	png, err := p2.Screenshot(ctx)
	if err != nil || len(png) < 100 || string(png[1:4]) != "PNG" {
		t.Errorf("screenshot: %d bytes, %v", len(png), err)
	}
}
