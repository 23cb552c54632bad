// Package gen writes large, valid, synthetic catalogs for benchmarks and
// schema tests. The data is deterministic and realistic in shape (products
// with detection rules, bulletins with several patches, registry and file
// checks, supersedence chains) but not real: never ship it.
package gen

import (
	"bufio"
	"fmt"
	"io"
)

// Products is how many products a generated catalog defines.
const Products = 40

// Write writes a catalog with n bulletins to w. Each bulletin is about 2 KB,
// so 10,000 bulletins make a catalog of about 20 MB.
func Write(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n")
	p("<!-- Synthetic catalog written by catalog/internal/gen for benchmarks. Not real data. -->\n")
	p("<BulletinDatastore DataVersion=\"9999.1.1\" LastDataUpdate=\"2026-11-20\">\n")
	p("  <ProductFamilies>\n    <ProductFamily ProductFamilyID=\"1\" Name=\"Windows\"/>\n    <ProductFamily ProductFamilyID=\"2\" Name=\"Applications\"/>\n  </ProductFamilies>\n")
	p("  <ServicePacks>\n")
	for sp := 0; sp <= 3; sp++ {
		name := "Gold"
		if sp > 0 {
			name = fmt.Sprintf("Service Pack %d", sp)
		}
		p("    <ServicePack ServicePackID=\"%d\" Name=\"%s\" Level=\"%d\" ReleaseDate=\"20%02d-01-01\"/>\n", sp+1, name, sp, 10+sp)
	}
	p("  </ServicePacks>\n  <MSSeverities>\n")
	for i, s := range []string{"Critical", "Important", "Moderate", "Low"} {
		p("    <MSSeverity MSSeverityID=\"%d\" Name=\"%s\"/>\n", i+1, s)
	}
	p("  </MSSeverities>\n  <Products>\n")
	for i := 1; i <= Products; i++ {
		p("    <Product ProductID=\"%d\" Name=\"Synthetic Product %d\" ProductFamilyID=\"%d\" CurrentServicePackID=\"%d\">\n", i, i, 1+i%2, 1+i%4)
		p("      <Detection>\n")
		p("        <RegValue Key=\"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\" Name=\"CurrentVersion\" Op=\"equals\" Value=\"6.%d\"/>\n", i%4)
		p("        <RegValue Key=\"HKLM\\SYSTEM\\CurrentControlSet\\Control\\ProductOptions\" Name=\"ProductType\" Op=\"not-equals\" Value=\"WinNT\"/>\n")
		p("        <RegKey Key=\"HKLM\\SOFTWARE\\Synthetic\\Product%d\" Op=\"exists\"/>\n", i)
		p("        <File Path=\"%%ProgramFiles%%\\Synthetic\\p%d.exe\" Op=\"version-ge\" Version=\"%d.0.0.0\"/>\n", i, 1+i%5)
		p("      </Detection>\n    </Product>\n")
	}
	p("  </Products>\n  <Bulletins>\n")
	for b := 0; b < n; b++ {
		id := bulletinID(b)
		p("    <Bulletin BulletinID=\"%s\" Title=\"Vulnerability in Synthetic Component %d Could Allow Remote Code Execution\" DatePosted=\"20%02d-%02d-%02d\" Baseline=\"%t\" Summary=\"A synthetic bulletin used to measure catalog loading; component %d mishandles crafted requests.\">\n",
			id, b, 10+b%16, 1+b%12, 1+b%28, b%3 == 0, b)
		p("      <QNumbers><QNumber QNumber=\"KB%d\"/></QNumbers>\n", 3000000+b)
		p("      <References><Reference URL=\"https://example.invalid/security/bulletin/%s\"/></References>\n", id)
		p("      <Patches>\n")
		for k := 0; k < 2; k++ {
			kb := 3000000 + b*10 + k
			p("        <Patch PatchName=\"Synthetic-KB%d-x%d.msu\" SQNumber=\"KB%d\" MSSeverityID=\"%d\" CVEID=\"CVE-20%02d-%04d CVE-20%02d-%04d\" NoReboot=\"0\">\n",
				kb, 64-k*32, kb, 1+(b+k)%4, 10+b%16, b%10000, 10+b%16, (b+1)%10000)
			for a := 0; a < 2; a++ {
				p("          <AffectedProduct ProductID=\"%d\" FixedInSP=\"0\"><AffectedServicePack ServicePackID=\"%d\"/></AffectedProduct>\n", 1+(b+a+k)%Products, 1+(b+a)%4)
			}
			p("          <RegChecks><RegCheck Key=\"HKLM\\SOFTWARE\\Microsoft\\Updates\\Synthetic\\KB%d\" Name=\"Installed\" Op=\"equals\" Value=\"1\"/></RegChecks>\n", kb)
			p("          <FileChecks>\n")
			p("            <FileCheck Path=\"%%SystemRoot%%\\System32\\drivers\\syn%d.sys\" Version=\"6.1.7601.%d\" SHA256=\"%064x\" Language=\"1033\"/>\n", b, 17000+b%5000, uint64(b)*2654435761+uint64(k))
			p("            <FileCheck Path=\"%%SystemRoot%%\\System32\\syn%d.dll\" Version=\"6.1.7601.%d\"/>\n", b, 17000+b%5000)
			p("          </FileChecks>\n")
			if b+1 < n && b%2 == 0 {
				p("          <SupersededBy BulletinID=\"%s\" SQNumber=\"KB%d\"/>\n", bulletinID(b+1), 3000000+(b+1)*10+k)
			}
			p("        </Patch>\n")
		}
		p("      </Patches>\n    </Bulletin>\n")
	}
	p("  </Bulletins>\n</BulletinDatastore>\n")
	return bw.Flush()
}

func bulletinID(b int) string { return fmt.Sprintf("SYN%02d-%05d", b%100, b) }
