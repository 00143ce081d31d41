// Package shim exposes the upstream Terraform random provider (an internal
// package of its module) to the lab's bridged provider. Written for the
// ha-kubernetes lab; the module path makes the internal import legal.
package shim

import (
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	upstream "github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// New returns the upstream plugin-framework provider.
func New() fwprovider.Provider { return upstream.New() }
