package mssecure

import (
	"fmt"
	"strings"
	"testing"
)

// TestDetectKinds: product names, as the real file and later ones write
// them, find their kind; what patchscan cannot recognise says why.
func TestDetectKinds(t *testing.T) {
	for name, kind := range map[string]string{
		"Windows NT Workstation 4.0":                      "Windows NT 4.0 Workstation",
		"Windows NT Server 4.0":                           "Windows NT 4.0 Server",
		"Windows NT Server 4.0, Enterprise Edition":       "Windows NT 4.0 Server, Enterprise Edition",
		"Windows NT Server 4.0, Terminal Server Edition":  "Windows NT 4.0 Terminal Server Edition",
		"Windows 2000 Professional":                       "Windows 2000 Professional",
		"Windows 2000 Advanced Server":                    "Windows 2000 Advanced Server",
		"Windows 2000 Datacenter Server":                  "Windows 2000 Datacenter Server",
		"Windows XP Professional":                         "Windows XP (Professional, Media Center, Tablet PC)",
		"Windows XP Home Edition":                         "Windows XP Home Edition",
		"Windows XP 64-Bit Edition Version 2003":          "Windows XP 64-Bit Edition",
		"Windows Server 2003, Enterprise Edition":         "Windows Server 2003, Enterprise Edition",
		"Windows Server 2003, Web Edition":                "Windows Server 2003, Web Edition",
		"Windows .NET Standard Server":                    "Windows Server 2003",
		"Windows 98 SE":                                   "Windows 98 Second Edition",
		"Windows Me":                                      "Windows Me",
		"Internet Information Services 5.1":               "Internet Information Services 5.1",
		"Internet Explorer 6":                             "Internet Explorer 6",
		"Internet Explorer 5.5":                           "Internet Explorer 5.5",
		"Outlook Express 6":                               "Outlook Express 6",
		"Internet Explorer 4.5 for Macintosh":             "Macintosh software",
		"Office 98 for Macintosh ":                        "Macintosh software",
		"Windows Media Player for Windows XP":             "Windows Media Player for Windows XP (8)",
		"Windows Media Player 9 Series":                   "Windows Media Player 9 Series",
		"SQL Server 2000":                                 "SQL Server 2000 / MSDE 2000",
		"SQL Server Desktop Engine (MSDE) 1.0":            "SQL Server 7.0 / MSDE 1.0",
		"Exchange 2000 Enterprise Server":                 "Exchange 2000 Server (and Enterprise Server)",
		"Exchange Server 2003":                            "Exchange Server 2003",
		"Office XP":                                       "Office XP",
		"Word 2002":                                       "Word, Excel, PowerPoint, Access, Outlook 97/2000/2002/2003",
		"Microsoft Data Access Components 2.5":            "Data Access Components (MDAC) 2.x",
		"Windows Script 5.6":                              "Windows Script 5.1, 5.5, 5.6",
		".NET Framework 1.1":                              ".NET Framework 1.1",
		"Front Page 2000 Server Extensions ":              "FrontPage Server Extensions 97, 98, 2000, 2002",
		"MSXML 3.0":                                       "MSXML",
		"Commerce Server 2000":                            "Server applications (Site Server, Commercial Internet System, SMS, BackOffice, Commerce Server, Proxy Server)",
		"Works 2000":                                      "Home and small-business programs (Works, Money, Picture It!, Home Publishing, Greetings, PhotoDraw, Publisher)",
		"Word 98":                                         "Word, Excel, PowerPoint 98",
		"SQL Server 2000 Analysis Services":               "(any other product)",
		"Windows 98 Resource Kit":                         "Resource kits",
		"FrontPage 98 Personal Web Server 1.0 ":           "FrontPage Personal Web Server",
		"Some Product Microsoft Ships in 2003":            "(any other product)",
		"Windows Media Rights Manager 1":                  "Windows Media Services, Encoder, Rights Manager",
		"Services for Unix 2.0 (Win2K)":                   "Services for Unix 2.0",
		"Internet Information Server 3.0":                 "Internet Information Server 3.0",
		"Indexing Services for Windows 2000":              "Indexing Service (Windows 2000)",
		"Microsoft Virtual Machine (VM)":                  "Microsoft Virtual Machine",
		"Exchange Server 5.5":                             "Exchange Server 5.5",
		"Connection Manager":                              "Connection Manager",
		"Visual Basic 6.0":                                "Other applications (Project, FrontPage, Visual Basic)",
		"Windows NT Server 4.0, Terminal Server Edition ": "Windows NT 4.0 Terminal Server Edition",
	} {
		d := recognise(name)
		if d.kind.name != kind {
			t.Errorf("%q: kind %q, want %q", name, d.kind.name, kind)
		}
		if (len(d.rules) == 0) == (d.never == "") {
			t.Errorf("%q: %d rules and reason %q: a kind has rules or a reason, not both", name, len(d.rules), d.never)
		}
	}
}

// TestEveryKindConverts: each kind's example finds its kind; the rules of
// every kind that has them (derived ones for the names given) load as
// native rules; and every product of the real file has rules or a reason.
func TestEveryKindConverts(t *testing.T) {
	names := []string{"Word 97", "Excel 2000", "Outlook 2002", "Access 2003", "FrontPage 97 Server Extensions", "FrontPage 2002 Server Extensions",
		"MDAC 2.51", "MDAC 2.6", "Windows Script 5.1", "Services for Unix 2.0 (NT)", "Windows XP 64-Bit Edition"}
	for i := range kinds {
		k := &kinds[i]
		if d := recognise(k.example); d.kind != k {
			t.Errorf("example %q of kind %q finds kind %q", k.example, k.name, d.kind.name)
		}
		if k.never == "" {
			names = append(names, k.example)
		}
	}
	var products, aps strings.Builder
	for i, n := range names {
		fmt.Fprintf(&products, `<Product ProductID="%d" Name="%s"/>`, 1000+i, n)
		fmt.Fprintf(&aps, `<AffectedProduct ProductID="%d"/>`, 1000+i)
	}
	c, rep := convertBack(t, mini(products.String(), `<Bulletins><Bulletin BulletinID="MS00-001" Title="T" DatePosted="2000/01/01"><Patches><Patch PatchName="x.exe" SQNumber="Q1">`+aps.String()+`</Patch></Patches></Bulletin></Bulletins>`))
	if rep.Undetectable != 0 || rep.Detected != len(names)+4 {
		t.Errorf("%d detected, %d cannot be recognised: %q", rep.Detected, rep.Undetectable, rep.Warnings)
	}
	for _, p := range c.Products {
		if len(p.Detection) == 0 {
			t.Errorf("%s has no rules", p.Name)
		}
	}
	d, err := ParseFile(sample, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	detected := 0
	for _, p := range d.Products {
		det := recognise(p.Name)
		if len(det.rules) > 0 {
			detected++
		} else if det.never == "" || det.kind == &unknownKind {
			t.Errorf("%s (%d): no rules, reason %q", p.Name, p.ID, det.never)
		}
	}
	if detected != 65 {
		t.Errorf("%d products of the real file detected by rules, want 65", detected)
	}
}

func TestClassifySP(t *testing.T) {
	for name, want := range map[string]spInfo{
		"Windows NT4 Service Pack 6a":                  {nt4, 6},
		"Windows NT 4 Terminal Server Gold":            {nt4, 0},
		"Windows NT4 Terminal Server Service Pack 4":   {nt4, 4},
		"Windows 2000 Gold":                            {w2k, 0},
		"Windows 2000 Service Pack 3 (when available)": {w2k, 3},
		"Windows XP SP1":                               {xp, 1},
		"Windows Server 2003 Service Pack 1":           {ws2003, 1},
		"Internet Explorer 5.01 SP2":                   {noOS, 2},
		"Office 2000 SR-1a":                            {noOS, 1},
		"Exchange Server 5.5 Gold":                     {noOS, 0},
		"Visual Studio 6.0 SP 5":                       {noOS, 5},
		"None Available":                               {noOS, -1},
		"Windows 95 Gold":                              {noOS, 0},
	} {
		if got := classifySP(name); got != want {
			t.Errorf("%q: %+v, want %+v", name, got, want)
		}
	}
}
