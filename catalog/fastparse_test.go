package catalog

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/patchscan/patchscan/catalog/internal/gen"
)

// dumpElements renders elements and attributes (what the loader reads) so
// two trees can be compared.
func dumpElements(es []*etree.Element) string {
	var b strings.Builder
	var walk func(e *etree.Element, depth int)
	walk = func(e *etree.Element, depth int) {
		fmt.Fprintf(&b, "%*s<%s:%s", depth, "", e.Space, e.Tag)
		for _, a := range e.Attr {
			fmt.Fprintf(&b, " %s:%s=%q", a.Space, a.Key, a.Value)
		}
		b.WriteString(">\n")
		for _, c := range e.ChildElements() {
			walk(c, depth+1)
		}
	}
	for _, e := range es {
		walk(e, 0)
	}
	return b.String()
}

// checkFastParse: when fastParse accepts data, etree must accept it too and
// read the same elements and attributes.
func checkFastParse(t *testing.T, data []byte) (accepted bool) {
	t.Helper()
	fast, ok := fastParse(data, 16)
	if !ok {
		return false
	}
	doc := newDocument(16)
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatalf("fastParse accepted what etree rejects (%v):\n%q", err, data)
	}
	if got, want := dumpElements(fast), dumpElements(doc.ChildElements()); got != want {
		t.Fatalf("trees differ for %q:\nfast:\n%s\netree:\n%s", data, got, want)
	}
	return true
}

func TestFastParse(t *testing.T) {
	var g bytes.Buffer
	if err := gen.Write(&g, 3); err != nil {
		t.Fatal(err)
	}
	generated := g.String()
	generated = generated[strings.Index(generated, "<Bulletin "):strings.LastIndex(generated, "</Bulletins>")]
	tests := []struct {
		name   string
		doc    string
		accept bool
	}{
		{"generated bulletins", generated, true},
		{"entities", `<B T="a &amp; b &lt;c&gt; &quot;q&quot; &apos;s&apos;" U='x"y'/>`, true},
		{"utf-8", "<B T=\"Windows für Workgroups — ✓\"/>", true},
		{"comment", "<B><!-- note --><C/></B>\n", true},
		{"tab and newline in value", "<B T=\"a\tb\nc\"/>", true},
		{"CRLF between tags", "<B\r\n  T=\"1\">\r\n<C/>\r\n</B>\r\n", true},
		{"space around =", `<B T = "1"/>`, false},
		{"space before end", "<B ></B >", true},
		{"carriage return", "<B T=\"a\rb\"/>", false},
		{"char reference", `<B T="&#65;"/>`, false},
		{"unknown entity", `<B T="&foo;"/>`, false},
		{"lt in value", `<B T="<"/>`, false},
		{"text", `<B>text</B>`, false},
		{"cdata", `<B><![CDATA[x]]></B>`, false},
		{"prefix", `<p:B/>`, false},
		{"duplicate attribute", `<B T="1" T="2"/>`, false},
		{"mismatched end", `<B></C>`, false},
		{"unclosed", `<B>`, false},
		{"no space between attributes", `<B a="1"b="2"/>`, false},
		{"invalid UTF-8", "<B T=\"\xff\"/>", false},
		{"control character", "<B T=\"\x01\"/>", false},
		{"double dash comment", "<!-- a -- b -->", false},
		{"too deep", strings.Repeat("<a>", 17) + strings.Repeat("</a>", 17), false},
		{"name starting with digit", `<1B/>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkFastParse(t, []byte(tt.doc)); got != tt.accept {
				t.Errorf("accepted = %v, want %v", got, tt.accept)
			}
		})
	}
}

// FuzzFastParse: whatever fastParse accepts, etree reads identically.
func FuzzFastParse(f *testing.F) {
	for _, s := range []string{
		`<B T="a &amp; b"><C x='1'/><!-- c --></B>`,
		"<B T=\"für\">\n\t<C/>\n</B>",
		`<Bulletin BulletinID="MS17-010" Title="T"><Patches><Patch SQNumber="KB1"/></Patches></Bulletin>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastParse(t, data)
	})
}
