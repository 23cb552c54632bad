package baseline

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/patchscan/patchscan/catalog"
)

// requiredIDs are the checks issue 16 requires of the default baseline.
var requiredIDs = []string{
	"autologon", "restrict-anonymous", "smb-signing", "smb1", "lm-compat", "wdigest", "lsa-ppl",
	"llmnr", "rdp-nla", "firewall", "auto-update", "always-install-elevated", "uac", "guest-account",
	"admin-count", "password-expiry", "shares", "audit-policy", "file-system", "services",
}

func TestDefaultHasEveryRequiredCheck(t *testing.T) {
	b, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if b.Source != "<embedded>" || b.Name == "" || b.Version == "" {
		t.Errorf("default baseline: source %q name %q version %q", b.Source, b.Name, b.Version)
	}
	for _, id := range requiredIDs {
		c := b.Check(id)
		if c == nil {
			t.Errorf("no check %s", id)
			continue
		}
		if c.Title == "" || c.Advice == "" || len(c.References) == 0 || len(c.Outcomes) < 2 {
			t.Errorf("%s: title %q, advice %q, %d references, %d outcomes", id, c.Title, c.Advice, len(c.References), len(c.Outcomes))
		}
	}
}

func TestLoadModel(t *testing.T) {
	const doc = `<?xml version="1.0" encoding="UTF-8"?>
<Baseline Name="t" Version="1" Date="2026-01-02">
  <Setting ID="os-version"><RegValue Key="HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion\" Name="CurrentVersion"/></Setting>
  <Check ID="wdigest" Severity="important">
    <Title>WDigest</Title>
    <Setting ID="ulc" Label="UseLogonCredential" Words="0=off; 1=on">
      <RegValue Key="HKLM\SYSTEM\CurrentControlSet\Control\SecurityProviders\WDigest" Name="UseLogonCredential"/>
      <Default Value="1" Note="old"><When Setting="os-version" Op="version-lt" Value="6.3"/></Default>
      <Default Value="0"/>
    </Setting>
    <Fail><When Setting="ulc" Op="number-ge" Value="1"/><Reason>On ({ulc}, {ulc.source}).</Reason></Fail>
    <Pass><Reason>Off.</Reason></Pass>
    <Advice>Set it to 0.</Advice>
    <Reference Source="KB" ID="KB2871997"/>
  </Check>
</Baseline>`
	b, err := Load(strings.NewReader(doc), "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Settings[0].Sources[0].Key; got != `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion` {
		t.Errorf("key normalised to %q", got)
	}
	c := b.Check("wdigest")
	if c.Severity != "Important" || c.Line != 4 {
		t.Errorf("severity %q line %d", c.Severity, c.Line)
	}
	s := c.Settings[0]
	if s.Label != "UseLogonCredential" || s.Words["1"] != "on" || len(s.Defaults) != 2 || s.Defaults[0].When[0].Op != catalog.OpVersionLT {
		t.Errorf("setting %+v", s)
	}
	if got := c.Outcomes[0].Reason.String(); got != "On ({ulc}, {ulc.source})." {
		t.Errorf("reason template %q", got)
	}
	if c.Outcomes[0].When[0].Compare == nil {
		t.Error("condition not prepared")
	}
}

func TestValidationListsEveryProblem(t *testing.T) {
	const doc = `<Baseline Name="t" Version="1" Date="26-1-2">
  <Setting ID="Bad_ID"><RegValue Key="HKCU\Software\X" Name="v"/></Setting>
  <Check ID="c1" Severity="severe">
    <Title>one</Title>
    <Setting ID="s"><RegValue Key="HKLM\X" Name="v"/><Measure Name="nope"/></Setting>
    <Fail><When Setting="s" Op="bigger" Value="1"/><Reason>x</Reason></Fail>
    <Fail><When Setting="missing" Value="1"/><Reason>{s.size}</Reason></Fail>
    <Pass><When Setting="s" Op="number-ge" Value="x"/><Reason>{other}</Reason></Pass>
    <Advice>a</Advice>
    <Whne Setting="s"/>
  </Check>
  <Check ID="c1" Severity="Low"><Title>t</Title><Pass/><Advice>a</Advice><Reference Source="x"/></Check>
</Baseline>`
	_, err := Load(strings.NewReader(doc), "bad.xml")
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	want := []string{
		`bad.xml:1:1: <Baseline>: Date "26-1-2" is not YYYY-MM-DD`,
		`bad.xml:2:3: <Setting>: ID "Bad_ID": use lower-case letters`,
		`bad.xml:2:24: <RegValue>: Key "HKCU\Software\X": only HKLM`,
		`bad.xml:3:3: <Check>: Severity "severe": use one of Critical, Important, Moderate, Low`,
		`bad.xml:5:54: <Measure>: "nope" is not a measure`,
		`bad.xml:6:11: <When>: Op "bigger" is not an operator`,
		`bad.xml:7:11: <When>: Setting missing is not defined`,
		`bad.xml:7:46: <Reason>: {s.size}: unknown field "size"`,
		`bad.xml:8:11: <When>: number "x" is invalid for number-ge`,
		`bad.xml:8:55: <Reason>: {other} names no setting`,
		`bad.xml:10:5: unknown element <Whne> in <Check>`,
		`bad.xml:8:5: <Check c1>: the last outcome has conditions`,
		`bad.xml:12:3: <Check>: ID c1 is used twice (first at line 3)`,
		`bad.xml:12:49: <Pass> has no <Reason>`,
		`bad.xml:12:74: <Reference>: give at least one of ID, Title and URL`,
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.String())
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.HasPrefix(g, w) }) {
			t.Errorf("missing problem %q", w)
		}
	}
	if t.Failed() {
		t.Logf("got:\n%s", strings.Join(got, "\n"))
	}
	if !strings.Contains(err.Error(), "baseline bad.xml is invalid (") {
		t.Errorf("error text: %v", err)
	}
}

func TestSyntaxErrorsAreLocated(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"", "x.xml:1:1: no root element"},
		{"<Baseline>\n<Check>", "x.xml:2:"},
		{"<Other/>", "x.xml:1:1: the root element is <Other>"},
		{`<?xml version="1.0" encoding="ISO-8859-1"?><Baseline/>`, "encoding"},
		{"<!DOCTYPE x [<!ENTITY a 'b'>]><Baseline/>", "DOCTYPE"},
		{strings.Repeat("<a>", 20) + strings.Repeat("</a>", 20), "nested deeper than 16"},
		{"<Baseline/><Baseline/>", "x.xml:1:"},
	} {
		_, err := Load(strings.NewReader(tc.doc), "x.xml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.40q: got %v, want %q", tc.doc, err, tc.want)
		}
	}
}

func TestSecretSettings(t *testing.T) {
	const doc = `<Baseline Name="t" Version="1">
  <Check ID="c" Severity="Low"><Title>t</Title>
    <Setting ID="pw" Secret="true"><RegValue Key="HKLM\X" Name="P"/><Default Value="1"/></Setting>
    <Fail><When Setting="pw" Op="equals" Value="x"/><Reason>r</Reason></Fail>
    <Pass><Reason>r</Reason></Pass><Advice>a</Advice><Reference Source="x" ID="y"/>
  </Check>
</Baseline>`
	_, err := Load(strings.NewReader(doc), "s.xml")
	for _, want := range []string{"is secret: it can have no <Default>", "Setting pw is secret: test it with exists or absent only"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
}

func TestTemplate(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"plain", ""},
		{"{a} and {b.list}, {c.count} from {d.source}", ""},
		{"{a", "a { without its }"},
		{"a}", "a } without its {"},
		{"{A}", "does not name a setting"},
		{"{a.}", "empty field"},
		{"{a.b.c}", "unknown field"},
	} {
		tpl, err := parseTemplate(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: got %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && tpl.String() != tc.in:
			t.Errorf("%q round-trips as %q", tc.in, tpl.String())
		}
	}
	tpl, _ := parseTemplate("x={a} n={a.count}")
	got := tpl.Render(func(id string, f Field) string { return id + "/" + string(f) })
	if got != "x=a/ n=a/count" {
		t.Errorf("Render = %q", got)
	}
}
