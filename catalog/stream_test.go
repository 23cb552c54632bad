package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStream: the exported reader hands out elements with their positions
// and attributes, in document order, and Finish reports what is wrong
// with the document as a whole, as Load does.
func TestStream(t *testing.T) {
	doc := "<?xml version=\"1.0\"?>\n<Root A=\"1\">\n\t<Row ID=\"7\" Name=\" x \"><Skipped><Deep/></Skipped></Row>\n\t<Row ID=\"8\"/>\n</Root>\n"
	s, err := NewStream(strings.NewReader(doc), "s.xml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	root, ok := s.Child()
	if !ok || root.Name.Local != "Root" || root.Line != 2 || root.Col != 1 {
		t.Fatalf("root %+v", root)
	}
	var got []string
	for {
		e, ok := s.Child()
		if !ok {
			break
		}
		name, _ := e.Value("Name")
		id, _ := e.Value("ID")
		got = append(got, e.Name.Local+" "+id+" ["+name+"] "+itoa(e.Line)+":"+itoa(e.Col))
		s.Skip()
	}
	if want := "Row 7 [ x ] 3:2|Row 8 [] 4:2"; strings.Join(got, "|") != want {
		t.Errorf("rows %q, want %q", strings.Join(got, "|"), want)
	}
	if err := s.Finish(); err != nil {
		t.Errorf("Finish: %v", err)
	}
}

func TestStreamErrors(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		o         Options
		want      string
	}{
		{"syntax", "<Root>\n<Row></Root>", Options{}, "s.xml:2:13: malformed XML: element <Row> closed by </Root>"},
		{"depth", strings.Repeat("<a>", 5) + strings.Repeat("</a>", 5), Options{MaxDepth: 3}, "elements are nested more than 3 deep"},
		{"size", "<Root>" + strings.Repeat(" ", 2000) + "</Root>", Options{MaxBytes: 1000}, "larger than 0 MiB"},
		{"two roots", "<Root/><Root/>", Options{}, "more than one root element"},
		{"no root", "<!-- nothing -->", Options{}, "no XML element found"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewStream(strings.NewReader(tt.doc), "s.xml", tt.o)
			if err != nil {
				t.Fatal(err)
			}
			for depth := 0; ; {
				if _, ok := s.Child(); ok {
					depth++
					continue
				}
				if depth == 0 || s.Failed() {
					break
				}
				depth--
			}
			err = s.Finish()
			var ve *ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Finish = %v, want a ValidationError with %q", err, tt.want)
			}
		})
	}
}

// TestStreamStop: a reader's own budget stops the stream; Finish then
// reports nothing of its own, and the caller says why it stopped.
func TestStreamStop(t *testing.T) {
	s, _ := NewStream(strings.NewReader("<Root><A/><B/></Root>"), "s.xml", Options{})
	s.Child()
	s.Child()
	s.Stop()
	if _, ok := s.Child(); ok || !s.Failed() {
		t.Error("Child after Stop")
	}
	if err := s.Finish(); err != nil {
		t.Errorf("Finish after Stop: %v", err)
	}
}

func TestOpenStream(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "c.xml.gz")
	os.WriteFile(fake, []byte("<Root/>"), 0o644)
	if _, err := OpenStream(fake, Options{}); err == nil || !strings.Contains(err.Error(), "not gzip data") {
		t.Errorf("OpenStream(%s) = %v", fake, err)
	}
	plain := filepath.Join(dir, "c.xml")
	os.WriteFile(plain, []byte("<Root/>"), 0o644)
	s, err := OpenStream(plain, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := s.Child(); !ok || e.Name.Local != "Root" {
		t.Errorf("root %+v", e)
	}
	s.Skip()
	if err := s.Finish(); err != nil || s.file == nil {
		t.Errorf("Finish %v", err)
	}
}

func TestFindings(t *testing.T) {
	f := NewFindings("x.xml")
	f.Warnf("k", 3, 4, "warned %d", 1)
	f.Warnf("k", 9, 1, "warned %d", 2)
	if f.Err() != nil || f.Failed() {
		t.Error("warnings alone failed")
	}
	f.Errorf(2, 1, "bad %s", "row")
	f.Errorf(1, 5, "worse")
	var ve *ValidationError
	if err := f.Err(); !errors.As(err, &ve) || len(ve.Problems) != 2 || ve.Problems[0].String() != "x.xml:1:5: worse" {
		t.Errorf("Err = %v", err)
	}
	if w := f.Warnings(); len(w) != 1 || w[0] != "x.xml:3:4: warned 1 (2 times; first shown)" {
		t.Errorf("warnings %q", w)
	}
}
