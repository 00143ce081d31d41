// pulumi-tfgen-tls, lab build: writes the Pulumi schema of the bridged provider
// (run as: pulumi-tfgen-tls schema --out DIR).
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	info "halab.invalid/toolchain/tls/info"
)

func main() { tfgen.Main("tls", info.Provider()) }
