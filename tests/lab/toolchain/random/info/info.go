// Package info describes the lab build of pulumi-resource-random: the upstream
// Terraform random provider bridged with pulumi-terraform-bridge. Resource
// names keep the "Random" prefix (random_password ->
// random:index/randomPassword:RandomPassword) as the @pulumi/random SDK expects.
package info

import (
	"context"
	"fmt"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/terraform-providers/terraform-provider-random/shim"
)

// Version is stamped at build time (-ldflags -X).
var Version = "0.0.0-dev"

// Metadata is the bridge-metadata.json that tfgen wrote (nil while running tfgen).
var Metadata []byte

// Provider returns the bridge description of the provider.
func Provider() tfbridge.ProviderInfo {
	p := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.New()),
		Name:         "random",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(Metadata),
		Description:  "Randomness (ha-kubernetes lab build)",
		License:      "Apache-2.0",
		Resources: map[string]*tfbridge.ResourceInfo{
			// random_bytes has no "id" attribute upstream: use its base64 value.
			"random_bytes": {ComputeID: bytesID},
		},
		EnableAccurateBridgePreview: true,
		EnableRawStateDelta:         true,
	}
	std := tokens.MakeStandard("random")
	p.MustComputeTokens(tokens.SingleModule("random_", "index",
		func(mod, name string) (string, error) { return std(mod, "Random"+name) }))
	return p
}

func bytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	v, ok := state["base64"]
	if !ok {
		return "", fmt.Errorf("random_bytes: no base64 in state")
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return "", fmt.Errorf("random_bytes: base64 is not a string")
	}
	return resource.ID(v.StringValue()), nil
}
