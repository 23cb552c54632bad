package catalog_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/patchscan/patchscan/catalog"
)

// Loading a catalog and telling a broken one from an unreadable one.
func ExampleLoad() {
	doc := `<BulletinDatastore>
  <Products>
    <Product ProductID="1" Name="Windows 7">
      <Detection><RegValue Key="HKCU\Software\X" Name="V" Value="1"/></Detection>
    </Product>
  </Products>
  <Bulletins/>
</BulletinDatastore>`
	_, err := catalog.Load(strings.NewReader(doc), "site.xml")
	var ve *catalog.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// site.xml:4:18: <RegValue>: Key "HKCU\Software\X": hive HKCU is not supported; only HKLM (HKEY_LOCAL_MACHINE) is read from scanned hosts
}
