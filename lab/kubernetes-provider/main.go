// The kubernetes provider plugin for the engine suite. The provider module's own main embeds files that its
// go:generate writes; this one embeds that module's committed schema.json and terraform-mapping.json, which
// lab/build.sh copies beside it in the scratch module at build time.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var mapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, mapping)
}
