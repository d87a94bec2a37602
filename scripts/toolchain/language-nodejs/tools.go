//go:build tools

// Package tools records the main package this module builds, so that
// `go mod tidy` keeps its dependencies in go.sum. The Node.js language host
// is a package of sdk/v3 only up to v3.68.0; later releases moved it to its
// own module, which the module proxy refuses (see scripts/README.md).
package tools

import (
	_ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
)
