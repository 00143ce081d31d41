// pulumi-tfgen-random, lab build: writes the Pulumi schema of the bridged provider
// (run as: pulumi-tfgen-random schema --out DIR).
package main

import (
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"

	info "halab.invalid/toolchain/random/info"
)

func main() { tfgen.Main("random", info.Provider()) }
