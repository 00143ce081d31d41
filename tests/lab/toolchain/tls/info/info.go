// Package info describes the lab build of pulumi-resource-tls: the upstream
// Terraform TLS provider bridged with pulumi-terraform-bridge. Tokens follow
// the standard scheme (tls_private_key -> tls:index/privateKey:PrivateKey),
// which is what the @pulumi/tls npm SDK uses.
package info

import (
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"

	"github.com/hashicorp/terraform-provider-tls/shim"
)

// Version is stamped at build time (-ldflags -X).
var Version = "0.0.0-dev"

// Metadata is the bridge-metadata.json that tfgen wrote (nil while running tfgen).
var Metadata []byte

// Provider returns the bridge description of the provider.
func Provider() tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		P:                              pf.ShimProvider(shim.New()),
		Name:                           "tls",
		Version:                        Version,
		MetadataInfo:                   tfbridge.NewProviderMetadata(Metadata),
		Description:                    "TLS resources (ha-kubernetes lab build)",
		License:                        "Apache-2.0",
		GitHubOrg:                      "hashicorp",
		EnableZeroDefaultSchemaVersion: true,
		EnableAccurateBridgePreview:    true,
	}
	p.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
	return p
}
