// selfhosted-irsa-codegen: the SDKs that `pulumi package add` generates for a package, from Pulumi's own code
// generators (pkg/v3/codegen/{python,go,nodejs}), called the way the Python, Go and Node.js language hosts call
// them in their GeneratePackage RPC. lab/build.sh builds it at the Pulumi CLI's version (`codegen` target).
//
//	selfhosted-irsa-codegen SCHEMA.json OUTDIR LANGUAGE...   (LANGUAGE: python, go, nodejs)
//
// Each SDK lands in OUTDIR/LANGUAGE. The schema is bound with a loader that refuses to load other packages:
// ours references none, so binding needs no plugin and no registry.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noOtherPackages is the reference loader the generators get: they ask it only for the schema's dependencies.
type noOtherPackages struct{ schema.Loader }

func (noOtherPackages) LoadPackageReference(pkg string, version *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema references package %q, which this generator does not load", pkg)
}

func (noOtherPackages) LoadPackageReferenceV2(ctx context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema references package %q, which this generator does not load", d.Name)
}

// bind binds a spec as `pulumi package add` does (packages.BindSpec: dangling references allowed, errors fatal).
func bind(spec schema.PackageSpec) (*schema.Package, error) {
	pkg, diags, err := schema.BindSpec(spec, schema.NewNullLoader(), schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	for _, d := range diags {
		fmt.Fprintf(os.Stderr, "schema: %s\n", d.Error())
	}
	if diags.HasErrors() {
		return nil, errors.New("the schema does not bind")
	}
	return pkg, nil
}

func generate(spec schema.PackageSpec, language string) (map[string][]byte, error) {
	// Bound once per language: ImportLanguages records each generator's options on the package.
	pkg, err := bind(spec)
	if err != nil {
		return nil, err
	}
	// `pulumi package add` always turns SupportPack on (Go: a go.mod beside the SDK), then sends the package to
	// the language host as JSON, which binds it again before generating: the same round trip here.
	pkg.SupportPack = true
	text, err := pkg.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var sent schema.PackageSpec
	if err := json.Unmarshal(text, &sent); err != nil {
		return nil, err
	}
	if pkg, err = bind(sent); err != nil {
		return nil, err
	}
	loader := noOtherPackages{schema.NewNullLoader()}
	switch language {
	case "python":
		return python.GeneratePackage("pulumi-language-python", pkg, nil, loader)
	case "go":
		return gogen.GeneratePackage("pulumi-language-go", pkg, nil)
	case "nodejs":
		// localSDK: what `pulumi package add` generates for a local package (it builds in place).
		return nodejs.GeneratePackage("pulumi-language-nodejs", pkg, nil, nil, true, loader)
	}
	return nil, fmt.Errorf("unknown language %q (python, go, nodejs)", language)
}

func run(args []string) error {
	if len(args) < 3 {
		return errors.New("usage: selfhosted-irsa-codegen SCHEMA.json OUTDIR LANGUAGE...")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	for _, language := range args[2:] {
		files, err := generate(spec, language)
		if err != nil {
			return fmt.Errorf("%s: %w", language, err)
		}
		for name, content := range files {
			path := filepath.Join(args[1], language, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				return err
			}
		}
		fmt.Printf("%s: %d files\n", language, len(files))
	}
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "selfhosted-irsa-codegen: %v\n", err)
		os.Exit(1)
	}
}
