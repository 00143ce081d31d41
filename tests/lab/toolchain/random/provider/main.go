// pulumi-resource-random, lab build: serves the bridged provider with the schema
// generated at build time by the tfgen program beside it.
package main

import (
	"context"
	_ "embed"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"

	info "halab.invalid/toolchain/random/info"
)

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	info.Metadata = metadata
	pf.Main(context.Background(), "random", info.Provider(), pf.ProviderMetadata{PackageSchema: schema})
}
