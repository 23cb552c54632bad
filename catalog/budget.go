package catalog

import (
	"fmt"
	"regexp/syntax"
	"strconv"
	"unsafe"
)

// The size and tag limits bound the document, but not what it turns into:
// 46 MB of <RegKey Key="HKLM\A"/> is two million rules of 176 bytes each,
// and one 4 KB regular expression can compile to 28 MB. So the loader also
// keeps an estimate of the memory its catalog takes, and refuses a catalog
// whose content would take more than a catalog of MaxBytes can need: a real
// catalog takes about 1.4 times its size (the generated 20 MB one, 30 MB;
// the embedded one, 1.25 times), so the budget is 1.5 times MaxBytes. With
// the garbage a load makes, that holds a hostile catalog under 400 MB.

// contentBudget is how much memory the content of a catalog of up to
// maxBytes may take, in estimated bytes.
func contentBudget(maxBytes int64) int64 { return maxBytes + maxBytes/2 }

// elementCost is what an element of the format adds to the catalog, besides
// its attribute values: the model struct it becomes and what the loader
// keeps about it (positions, references).
var elementCost = map[string]int64{
	"ProductFamily":       int64(unsafe.Sizeof(ProductFamily{})) + mapEntryCost,
	"ServicePack":         int64(unsafe.Sizeof(ServicePack{})) + mapEntryCost,
	"MSSeverity":          int64(unsafe.Sizeof(Severity{})) + mapEntryCost,
	"Product":             int64(unsafe.Sizeof(Product{})) + mapEntryCost + 2*referenceCost,
	"RegValue":            ruleCost,
	"RegKey":              ruleCost,
	"File":                ruleCost,
	"RegCheck":            ruleCost,
	"FileCheck":           int64(unsafe.Sizeof(FileCheck{})),
	"Bulletin":            int64(unsafe.Sizeof(Bulletin{}) + unsafe.Sizeof(pos{}) + unsafe.Sizeof([]pos{})),
	"QNumber":             stringCost,
	"Reference":           stringCost,
	"Patch":               int64(unsafe.Sizeof(Patch{})+unsafe.Sizeof(pos{})) + referenceCost,
	"AffectedProduct":     int64(unsafe.Sizeof(AffectedProduct{})) + referenceCost,
	"AffectedServicePack": int64(unsafe.Sizeof(int(0))) + referenceCost,
	"SupersededBy":        int64(unsafe.Sizeof(Supersedence{}) + unsafe.Sizeof(superRef{})),
	"SupercededBy":        int64(unsafe.Sizeof(Supersedence{}) + unsafe.Sizeof(superRef{})),
	"Vulnerability":       int64(unsafe.Sizeof(Vulnerability{})) + mapEntryCost + referenceCost,
}

const (
	ruleCost      = int64(unsafe.Sizeof(Rule{}))
	referenceCost = int64(unsafe.Sizeof(reference{}))
	stringCost    = int64(unsafe.Sizeof(""))
	mapEntryCost  = 32
	// A compiled regular expression takes about 50 bytes per instruction
	// of its program, and a kilobyte whatever its size.
	regexpBaseCost = 1024
	regexpInstCost = 64
)

// spend adds an element the loader has read into the catalog to the
// estimate, and stops reading once the budget is spent.
func (l *loader) spend(e *element) {
	cost := elementCost[e.name.Local]
	for _, a := range e.attr {
		cost += int64(len(a.Value))
	}
	l.spendBytes(e.at, cost)
}

func (l *loader) spendBytes(at pos, n int64) {
	l.spent += n
	if l.spent > l.budget && l.overBudgetAt == (pos{}) {
		l.overBudgetAt = at
		l.doc.stop()
	}
}

// regexpCost estimates the memory a pattern compiles to, from the size of
// its program. ok is false when the pattern does not compile (the loader
// reports that with regexp's own message).
func regexpCost(pattern string) (cost int64, ok bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0, false
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0, false
	}
	return regexpBaseCost + regexpInstCost*int64(len(prog.Inst)), true
}

// overBudgetProblem words the refusal of a catalog over its content budget.
func (l *loader) overBudgetProblem(maxBytes int64) *ValidationError {
	at := l.overBudgetAt
	msg := fmt.Sprintf("the catalog's content would take more than %s of memory, more than a catalog of up to %s needs (a real one takes about 1.4 times its size); refusing to load it. "+
		"Look here for elements repeated far more often than a catalog needs, or for huge regular expressions", mebibytes(l.budget), mebibytes(maxBytes))
	return &ValidationError{File: l.name, Problems: []Problem{{File: l.name, Line: int(at.line), Column: int(at.col), Message: msg}}}
}

// mebibytes renders a size in MiB, with one decimal when it has a fraction.
func mebibytes(n int64) string {
	if n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}
