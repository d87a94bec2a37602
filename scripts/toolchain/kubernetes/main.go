// Command pulumi-resource-kubernetes serves the Kubernetes provider built at the version pinned in go.mod.
//
// Upstream's main package embeds schema-embed.json and terraform-mapping-embed.json, which its release build
// generates and the module zip does not ship, so it cannot be built from the module cache. scripts/toolchain.sh
// copies this package to a build folder, writes those two files there from the module's schema.json and
// terraform-mapping.json (the schema stamped with the provider version), and builds it.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
