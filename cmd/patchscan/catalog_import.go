package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/patchscan/patchscan/catalog"
	"github.com/patchscan/patchscan/catalog/msrc"
	"github.com/patchscan/patchscan/internal/atomicfile"
	"github.com/patchscan/patchscan/internal/textsafe"
)

func newCatalogImportCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "import",
		Short: "Convert vendor security data into a native catalog",
	}
	c.AddCommand(newCatalogImportMSRCCmd(), newCatalogImportMssecureCmd())
	return c
}

func newCatalogImportMSRCCmd() *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "msrc FILE... [-o OUT]",
		Short: "Convert MSRC security update documents (CVRF 1.1 XML) into a catalog",
		Long: `msrc converts Microsoft's monthly security update documents - CVRF 1.1 XML as
https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/2026-Feb serves them - into a
native catalog: one bulletin per document, the Windows operating system
updates with their fixed OS builds, products detected by build, client or
server, Server Core and architecture, hotpatch alternatives, supersedence and
a table of the CVEs with their severity and exploitation.

Problems of the source data (a FixedBuild of "1.000", a missing one, a
Windows 10 20H2 fix given the 2004 base build) are listed on standard error,
one warning per KB and problem; where no check can be trusted the patch is a
note. docs/msrc-import.md explains every choice.

FILE may be gzip-compressed (.gz) or "-" for standard input. The catalog goes
to standard output, or to OUT (written atomically).

Exit status: 0 written, 64 usage error, 65 a file is not an MSRC CVRF
document or holds no Windows update, 70 the catalog could not be written.`,
		Example: `  patchscan catalog import msrc cvrfDocument-2026-Feb.xml -o 2026-Feb.xml
  patchscan catalog import msrc 2025-*.xml.gz 2026-*.xml.gz -o msrc.xml
  curl -s -H 'Accept: application/xml' https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/2026-Feb | patchscan catalog import msrc -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := oneStdin(args); err != nil {
				return err
			}
			return importMSRC(cmd, args, out)
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write the catalog to this file instead of standard output")
	return c
}

func importMSRC(cmd *cobra.Command, args []string, out string) error {
	stderr := cmd.ErrOrStderr()
	var docs []*msrc.Document
	for _, path := range args {
		var d *msrc.Document
		var err error
		if path == "-" {
			d, err = msrc.Parse(cmd.InOrStdin(), "<stdin>", msrc.Limits{})
		} else {
			d, err = msrc.ParseFile(path, msrc.Limits{})
		}
		if err != nil {
			return &exitError{code: ExitBadCatalog, err: err}
		}
		docs = append(docs, d)
	}
	cat, warns, err := msrc.Convert(docs)
	for _, w := range warns {
		fmt.Fprintf(stderr, "patchscan: warning: %s\n", textsafe.Line(w.String(), maxCatalogText))
	}
	if err != nil {
		return &exitError{code: ExitBadCatalog, err: err}
	}
	if err := writeImported(cmd, cat, out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "patchscan: imported %s; %d warnings\n", importSummary(cat), len(warns))
	return nil
}

// writeImported writes a converted catalog, checked, to out (a file,
// replaced atomically) or to standard output when out is empty.
func writeImported(cmd *cobra.Command, cat *catalog.Catalog, out string) error {
	data, err := writeChecked(cat)
	if err != nil {
		return &exitError{code: ExitInternal, err: err}
	}
	if out == "" {
		_, err = cmd.OutOrStdout().Write(data)
	} else {
		err = atomicfile.Write(out, func(w io.Writer) error { _, err := w.Write(data); return err })
	}
	if err != nil {
		return &exitError{code: ExitInternal, err: fmt.Errorf("writing the catalog: %w", err)}
	}
	return nil
}

// writeChecked renders a catalog and loads the result back, so a catalog
// that `patchscan catalog validate` would reject is never written.
func writeChecked(c *catalog.Catalog) ([]byte, error) {
	var b bytes.Buffer
	if err := catalog.Write(&b, c); err != nil {
		return nil, err
	}
	if _, err := catalog.Load(bytes.NewReader(b.Bytes()), "<converted>"); err != nil {
		return nil, fmt.Errorf("the converted catalog does not load (a bug, please report it): %w", err)
	}
	return b.Bytes(), nil
}

// importSummary counts a converted catalog for the closing line.
func importSummary(c *catalog.Catalog) string {
	patches, notes := 0, 0
	for _, b := range c.Bulletins {
		patches += len(b.Patches)
		for _, p := range b.Patches {
			if p.Note != "" {
				notes++
			}
		}
	}
	return fmt.Sprintf("%s (data of %s): %d products, %d bulletins, %d patches (%d notes: data that cannot be checked), %d CVEs",
		c.DataVersion, c.LastDataUpdate, len(c.Products), len(c.Bulletins), patches, notes, len(c.Vulnerabilities))
}
