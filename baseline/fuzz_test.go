package baseline

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoad: a baseline file is outside input (--baseline-file). Whatever
// the bytes, Load returns a baseline or a *ValidationError listing
// located problems; it never panics, and a baseline it accepts has checks
// that end with an unconditional outcome.
func FuzzLoad(f *testing.F) {
	f.Add(defaultXML)
	f.Add([]byte(`<Baseline Name="n" Version="1"><Check ID="c" Severity="Low"><Title>t</Title><Setting ID="s"><Measure Name="audit" Category="logon"/></Setting><Warning><When Setting="s" Op="matches" Value="^none$"/><Reason>{s} {s.list}</Reason></Warning><Pass><Reason>r</Reason></Pass><Advice>a</Advice><Reference Source="x" ID="y"/></Check></Baseline>`))
	f.Add([]byte("<Baseline><Check ID='x'><Fail><When Setting='a' Op='matches' Value='('/></Fail></Check></Baseline>"))
	f.Add([]byte("<Baseline>\xff\xfe</Baseline>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Load(strings.NewReader(string(data)), "fuzz.xml")
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error is not a ValidationError with problems: %v", err)
			}
			if len(ve.Problems) > maxProblems+1 {
				t.Fatalf("%d problems listed", len(ve.Problems))
			}
			return
		}
		for _, c := range b.Checks {
			if len(c.Outcomes) == 0 || len(c.Outcomes[len(c.Outcomes)-1].When) != 0 {
				t.Fatalf("check %s accepted without a final unconditional outcome", c.ID)
			}
		}
	})
}
