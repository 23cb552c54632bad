package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// toolVersion is set at build time with -ldflags "-X main.toolVersion=...".
var toolVersion = "dev"

// versionString is the tool's version as reports and `version` show it.
func versionString() string {
	if toolVersion != "dev" {
		return toolVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return toolVersion
}

// versionLine is the version as `patchscan version` prints it.
func versionLine() string {
	return fmt.Sprintf("patchscan %s (%s, %s/%s)\n", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func init() {
	// `patchscan --version` says what `patchscan version` says.
	rootCmd.Version = versionString()
	rootCmd.SetVersionTemplate(versionLine())
	rootCmd.AddCommand(&cobra.Command{
		Use:     "version",
		Short:   "Print the patchscan version",
		Args:    cobra.NoArgs,
		Example: "  patchscan version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionLine())
			return err
		},
	})
}
