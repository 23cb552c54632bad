package main

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/internal/textsafe"
)

func init() { rootCmd.AddCommand(newCatalogCmd()) }

func newCatalogCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "catalog",
		Short: "Validate and inspect security catalogs",
		Long: `A catalog is the mssecure-style XML file that says which patches exist, which
products they apply to and how to tell they are installed (docs/catalog-format.md).
patchscan has one built in; these commands check and show it, or any other.`,
		Example: `  patchscan catalog validate site-catalog.xml
  patchscan catalog show --bulletin MS17-010`,
	}
	c.AddCommand(newCatalogValidateCmd(), newCatalogShowCmd(), newCatalogImportCmd(), newCatalogUpdateCmd())
	return c
}

func newCatalogValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate [FILE...]",
		Short: "Check catalogs and list every problem in them",
		Long: `validate loads each catalog as a scan would and reports every problem it
finds, as file:line:column: message on standard error, not just the first.
Warnings (unknown elements or attributes, supersedence by bulletins the
catalog does not carry) go to standard error too; they do not make a
catalog invalid.

FILE may be "-" for standard input; gzip-compressed catalogs (.xml.gz) are
read directly. Without FILE the catalog built into patchscan is checked.
Microsoft's own mssecure.xml (HFNetChk, MBSA 1.x) is recognised by its root
element and converted on the fly, as patchscan catalog import mssecure
does: the conversion's warnings are listed, and the result is validated.

Exit status: 0 when every catalog is valid, 65 when any is invalid or
cannot be read.`,
		Example: `  patchscan catalog validate mssecure.xml
  patchscan catalog validate site.xml.gz extra.xml
  curl -s https://intranet.example/catalog.xml | patchscan catalog validate -
  patchscan catalog validate            # the built-in catalog`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneStdin(args); err != nil {
				return err
			}
			if len(args) == 0 {
				args = []string{""}
			}
			out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
			bad := 0
			for _, path := range args {
				c, err := openCatalog(cmd, path, true)
				if err != nil {
					bad++
					printLoadError(errw, displayName(path), err)
					continue
				}
				printWarnings(errw, c)
				fmt.Fprintf(out, "%s: valid: %s\n", displayName(path), describe(c))
			}
			if bad > 0 {
				return &exitError{code: ExitBadCatalog, err: fmt.Errorf("%d of %d catalogs invalid", bad, len(args))}
			}
			return nil
		},
	}
}

func newCatalogShowCmd() *cobra.Command {
	var bulletin string
	c := &cobra.Command{
		Use:   "show [--bulletin ID] [FILE]",
		Short: "List a catalog's bulletins, or show one bulletin in detail",
		Long: `show prints a table of the catalog's bulletins: ID, date posted, highest
severity, KB numbers, affected products and whether the bulletin is in the
baseline. With --bulletin it shows that bulletin's patches, the products and
service packs each applies to, and the registry and file checks that decide
whether it is installed.

Without FILE the catalog built into patchscan is shown; FILE may be "-" for
standard input or a .xml.gz. Microsoft's mssecure.xml is converted on the
fly (said on standard error). An invalid catalog is not shown: its problems
are listed and the exit status is 65.`,
		Example: `  patchscan catalog show
  patchscan catalog show --bulletin MS17-010
  patchscan catalog show --bulletin ms08-067 site-catalog.xml.gz`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			c, err := openCatalog(cmd, path, false)
			if err != nil {
				printLoadError(cmd.ErrOrStderr(), displayName(path), err)
				return &exitError{code: ExitBadCatalog}
			}
			printWarnings(cmd.ErrOrStderr(), c)
			if bulletin == "" {
				return showBulletins(cmd.OutOrStdout(), c)
			}
			for i := range c.Bulletins {
				if strings.EqualFold(c.Bulletins[i].ID, strings.TrimSpace(bulletin)) {
					return showBulletin(cmd.OutOrStdout(), c, &c.Bulletins[i])
				}
			}
			return usageErrorf("bulletin %s is not in catalog %s; run without --bulletin to list them", textsafe.Line(bulletin, maxCatalogText), c.Source)
		},
	}
	c.Flags().StringVar(&bulletin, "bulletin", "", "show this bulletin (e.g. MS17-010) in detail")
	return c
}

// oneStdin refuses "-" twice: standard input can only be read once.
func oneStdin(args []string) error {
	n := 0
	for _, a := range args {
		if a == "-" {
			n++
		}
	}
	if n > 1 {
		return usageErrorf(`"-" (standard input) can be given only once`)
	}
	return nil
}

// openCatalog loads path: "" is the built-in catalog, "-" the command's
// standard input; Microsoft's mssecure.xml is converted on the fly (with
// every warning of the conversion on stderr when verbose).
func openCatalog(cmd *cobra.Command, path string, verbose bool) (*catalog.Catalog, error) {
	if path == "" {
		return catalog.Default()
	}
	return loadCatalogFile(path, cmd.InOrStdin(), cmd.ErrOrStderr(), verbose)
}

func displayName(path string) string {
	switch path {
	case "":
		return catalog.DefaultName
	case "-":
		return "<stdin>"
	}
	return path
}

// printLoadError lists every problem of an invalid catalog, one per line,
// then its warnings; other errors (unreadable file) get one line.
func printLoadError(w io.Writer, name string, err error) {
	var ve *catalog.ValidationError
	if !errors.As(err, &ve) {
		fmt.Fprintf(w, "%s: %s\n", textsafe.Line(name, maxStderrLine), textsafe.Line(err.Error(), maxStderrLine))
		return
	}
	fmt.Fprintf(w, "%s: invalid: %d problem%s\n", textsafe.Line(name, maxStderrLine), len(ve.Problems), plural(len(ve.Problems)))
	for _, p := range ve.Problems {
		fmt.Fprintln(w, textsafe.Line(p.String(), maxCatalogText))
	}
	for _, s := range ve.Warnings {
		fmt.Fprintln(w, "warning:", textsafe.Line(s, maxCatalogText))
	}
}

func printWarnings(w io.Writer, c *catalog.Catalog) {
	for _, s := range c.Warnings {
		fmt.Fprintln(w, "warning:", textsafe.Line(s, maxCatalogText))
	}
}

func describe(c *catalog.Catalog) string {
	patches := 0
	for _, b := range c.Bulletins {
		patches += len(b.Patches)
	}
	s := fmt.Sprintf("%d bulletin%s, %d patch%s, %d product%s", len(c.Bulletins), plural(len(c.Bulletins)),
		patches, map[bool]string{true: "", false: "es"}[patches == 1], len(c.Products), plural(len(c.Products)))
	if c.DataVersion != "" || c.LastDataUpdate != "" {
		s += fmt.Sprintf(" (data version %s, updated %s)", orDash(c.DataVersion), orDash(c.LastDataUpdate))
	}
	return textsafe.Line(s, maxCatalogText)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// maxCatalogText bounds, in runes, catalog text shown on the terminal: far
// above any real title or summary, so only hostile input is cut.
const maxCatalogText = 64 << 10

func newCatalogTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRendition(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)}),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoFormat(tw.Off),
	)
}

// index is name lookups for one catalog.
type index struct {
	products   map[int]string
	sps        map[int]catalog.ServicePack
	severities map[int]string
}

func newIndex(c *catalog.Catalog) index {
	ix := index{products: map[int]string{}, sps: map[int]catalog.ServicePack{}, severities: map[int]string{}}
	for _, p := range c.Products {
		ix.products[p.ID] = p.Name
	}
	for _, sp := range c.ServicePacks {
		ix.sps[sp.ID] = sp
	}
	for _, s := range c.Severities {
		ix.severities[s.ID] = s.Name
	}
	return ix
}

func (ix index) severity(id int) string {
	if n, ok := ix.severities[id]; ok {
		return n
	}
	return "-"
}

// maxSeverity is the most severe rating of a bulletin's patches: the
// lowest MSSeverityID (1 Critical ... 4 Low).
func maxSeverity(b *catalog.Bulletin) int {
	best := 0
	for _, p := range b.Patches {
		if p.SeverityID != 0 && (best == 0 || p.SeverityID < best) {
			best = p.SeverityID
		}
	}
	return best
}

func bulletinKBs(b *catalog.Bulletin) []string {
	seen := map[string]bool{}
	var kbs []string
	add := func(s string) {
		if s != "" && !seen[strings.ToUpper(s)] {
			seen[strings.ToUpper(s)] = true
			kbs = append(kbs, s)
		}
	}
	for _, q := range b.QNumbers {
		add(q)
	}
	for _, p := range b.Patches {
		add(p.SQNumber)
	}
	return kbs
}

func (ix index) bulletinProducts(b *catalog.Bulletin) []string {
	seen := map[int]bool{}
	var names []string
	for _, p := range b.Patches {
		for _, a := range p.Affected {
			if !seen[a.ProductID] {
				seen[a.ProductID] = true
				names = append(names, ix.products[a.ProductID])
			}
		}
	}
	return names
}

// abbreviate keeps a table cell readable: the first n items and a count.
func abbreviate(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" +%d more", len(items)-n)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func showBulletins(w io.Writer, c *catalog.Catalog) error {
	ix := newIndex(c)
	t := newCatalogTable(w)
	t.Header([]string{"BULLETIN", "DATE", "SEVERITY", "KBS", "PRODUCTS", "BASELINE"})
	for i := range c.Bulletins {
		b := &c.Bulletins[i]
		row := []string{b.ID, b.DatePosted, ix.severity(maxSeverity(b)), abbreviate(bulletinKBs(b), 3),
			abbreviate(ix.bulletinProducts(b), 2), yesNo(b.Baseline)}
		for j := range row {
			row[j] = textsafe.Line(row[j], maxCatalogText)
		}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%s: %s\n", textsafe.Line(c.Source, maxCatalogText), describe(c))
	return err
}

func showBulletin(w io.Writer, c *catalog.Catalog, b *catalog.Bulletin) error {
	ix := newIndex(c)
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s  %s\n", b.ID, b.Title)
	fmt.Fprintf(&sb, "Posted:      %s\n", orDash(b.DatePosted))
	fmt.Fprintf(&sb, "Baseline:    %s\n", yesNo(b.Baseline))
	fmt.Fprintf(&sb, "Severity:    %s\n", ix.severity(maxSeverity(b)))
	if b.Summary != "" {
		fmt.Fprintf(&sb, "Summary:     %s\n", b.Summary)
	}
	if len(b.QNumbers) > 0 {
		fmt.Fprintf(&sb, "KBs:         %s\n", strings.Join(b.QNumbers, ", "))
	}
	for i, r := range b.References {
		label := "References:"
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(&sb, "%-12s %s\n", label, r)
	}
	fmt.Fprintf(&sb, "\nPatches (%d):\n", len(b.Patches))
	if _, err := io.WriteString(w, textsafe.Text(sb.String(), maxCatalogText)); err != nil {
		return err
	}

	t := newCatalogTable(w)
	t.Header([]string{"KB", "PATCH", "SEVERITY", "CVES", "REBOOT", "SUPERSEDED BY"})
	for _, p := range b.Patches {
		var sup []string
		for _, s := range p.SupersededBy {
			sup = append(sup, strings.TrimSpace(s.BulletinID+" "+s.SQNumber))
		}
		reboot := "yes"
		if p.NoReboot {
			reboot = "no"
		}
		row := []string{p.SQNumber, orDash(p.Name), ix.severity(p.SeverityID), orDash(abbreviate(p.CVEs, 3)), reboot, orDash(strings.Join(sup, ", "))}
		for j := range row {
			row[j] = textsafe.Line(row[j], maxCatalogText)
		}
		if err := t.Append(row); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nApplies to and checks:")
	t = newCatalogTable(w)
	t.Header([]string{"KB", "WHAT", "DETAIL"})
	for _, p := range b.Patches {
		var rows [][]string
		for _, a := range p.Affected {
			rows = append(rows, []string{p.SQNumber, "product", ix.affected(a)})
		}
		for _, r := range p.RegChecks {
			rows = append(rows, []string{p.SQNumber, "registry", describeRule(r)})
		}
		for _, f := range p.FileChecks {
			rows = append(rows, []string{p.SQNumber, "file", describeFile(f)})
		}
		switch {
		case p.Note != "":
			rows = append(rows, []string{p.SQNumber, "note", "scans report a Note: " + p.Note})
		case len(p.RegChecks)+len(p.FileChecks) == 0 && p.FixedBuild.Len() == 0:
			rows = append(rows, []string{p.SQNumber, "-", "no detection criteria: scans report a Note (cannot be confirmed)"})
		}
		for _, row := range rows {
			for j := range row {
				row[j] = textsafe.Line(row[j], maxCatalogText)
			}
			if err := t.Append(row); err != nil {
				return err
			}
		}
	}
	return t.Render()
}

func (ix index) affected(a catalog.AffectedProduct) string {
	name, ok := ix.products[a.ProductID]
	if !ok {
		name = "product " + strconv.Itoa(a.ProductID)
	}
	s := fmt.Sprintf("%s [%d]", name, a.ProductID)
	if len(a.ServicePackIDs) > 0 {
		var sps []string
		for _, id := range a.ServicePackIDs {
			sps = append(sps, ix.sps[id].Name)
		}
		sort.Strings(sps)
		s += " at " + strings.Join(sps, ", ")
	}
	if a.FixedInSP > 0 {
		s += fmt.Sprintf("; not needed from service pack level %d", a.FixedInSP)
	}
	return s
}

// describeRule renders a rule the way the catalog means it.
func describeRule(r catalog.Rule) string {
	switch r.Kind {
	case catalog.RuleRegKey:
		return fmt.Sprintf(`key %s %s`, r.Key, r.Op)
	case catalog.RuleFile:
		if r.Op == catalog.OpExists || r.Op == catalog.OpAbsent {
			return fmt.Sprintf("%s %s", r.Path, r.Op)
		}
		return fmt.Sprintf("%s %s %s", r.Path, r.Op, r.Value)
	}
	name := r.Name
	if name == "" {
		name = "(default)"
	}
	if r.Op == catalog.OpExists || r.Op == catalog.OpAbsent {
		return fmt.Sprintf(`%s\%s %s`, r.Key, name, r.Op)
	}
	return fmt.Sprintf(`%s\%s %s %q`, r.Key, name, r.Op, r.Value)
}

func describeFile(f catalog.FileCheck) string {
	s := fmt.Sprintf("%s version %s", f.Path, f.Version)
	if f.Cumulative {
		s += " or later of its servicing branch"
	}
	if f.IfExists {
		s += ", only if the file is present"
	}
	if f.SHA256 != "" {
		s += " sha256 " + f.SHA256
		if f.Language != "" {
			s += " (language " + f.Language + ")"
		}
	}
	return s
}
