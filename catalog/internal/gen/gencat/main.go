// Command gencat writes a generated catalog (catalog/internal/gen) to
// standard output, for measuring the loader from the command line:
//
//	go run ./catalog/internal/gen/gencat -bulletins 10000 > big.xml   # about 20 MB
//	/usr/bin/time -f '%e s %M KB' ./bin/patchscan catalog validate big.xml
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/patchscan/patchscan/catalog/internal/gen"
)

func main() {
	n := flag.Int("bulletins", 10000, "how many bulletins (about 2 KB each)")
	flag.Parse()
	if err := gen.Write(os.Stdout, *n); err != nil {
		fmt.Fprintln(os.Stderr, "gencat:", err)
		os.Exit(1)
	}
}
