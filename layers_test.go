package mlite_test

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/mlite/mlite"

// layers says which mlite packages each package may import: arrows point
// down, from the commands and surfaces to the tracking API and the registry,
// to the store, the blob folder and the query language, to the internal
// helpers, which import no mlite package. docs/architecture.md draws it; each
// package's doc.go says the same. A new package must be added here, in its
// layer.
var layers = map[string][]string{
	// Small helpers: no mlite imports.
	"internal/artpath":      nil,
	"internal/benchdata":    nil,
	"internal/browsertest":  nil,
	"internal/capread":      nil,
	"internal/chunkenc":     nil,
	"internal/cputime":      nil,
	"internal/fixture":      nil,
	"internal/golden":       nil,
	"internal/flock":        nil,
	"internal/httpguard":    nil,
	"internal/httpsend":     nil,
	"internal/jsonfloat":    nil,
	"internal/mlflowclient": nil,
	"internal/pyclient":     nil,
	"internal/pyrepr":       nil,
	"internal/repro":        {"internal/capread"}, // a helper may use a leaf helper
	"internal/runname":      nil,
	"internal/testchild":    nil,
	"internal/ubjson":       nil,
	"internal/validate":     nil,

	// The bottom: values, files, the query language.
	"query": nil,
	"blob":  nil,
	"store": {"internal/chunkenc", "internal/flock", "internal/validate"},

	// The tracking API and the registry.
	"run":              {"blob", "query", "store", "internal/artpath", "internal/repro", "internal/runname", "internal/validate"},
	"registry/mlmodel": {"internal/pyrepr"},
	"registry":         {"blob", "query", "store", "run", "registry/mlmodel", "internal/artpath", "internal/repro", "internal/validate"},
	"":                 {"store", "run", "registry"}, // package mlite, the front door
	"mlitetest":        {"", "run", "store"},

	// The surfaces: they read and write through run and registry only.
	"serving": {"registry", "registry/mlmodel"},
	// Flavor packages register their loaders with serving.
	"serving/lightgbm":    {"serving", "registry/mlmodel"},
	"serving/xgboost":     {"serving", "registry/mlmodel", "internal/ubjson"},
	"serving/servingtest": {"serving"},
	"shadow":              {"", "run", "registry", "serving"},
	"mlflowapi":           {"", "run", "registry", "internal/pyrepr", "internal/httpsend"},
	"viewer":              {"", "run", "registry", "registry/mlmodel", "mlflowapi", "shadow", "internal/repro", "internal/capread", "internal/httpsend", "internal/jsonfloat"},
	"report":              {"run", "registry", "registry/mlmodel"},
	// Copies to, from and between stores and MLflow servers: reads through
	// run and registry; the store for its bookkeeping (sync marks) and the
	// bulk writes of an import or merge, which keep ids, times and version
	// numbers that run and registry assign themselves.
	"transfer": {"run", "registry", "store", "internal/mlflowclient", "internal/capread", "internal/jsonfloat"},

	// Applications.
	"examples/creditdemo": {"", "run", "registry", "registry/mlmodel", "serving"},
	"cmd/mlite":           {"", "run", "registry", "serving", "serving/lightgbm", "serving/xgboost", "shadow", "viewer", "examples/creditdemo", "internal/httpguard", "report", "transfer", "internal/jsonfloat"},
	// mlite-mlflow's tests read stores with the Go API through it.
	"python/tests/goapi": {"", "run", "registry"},
}

// surfaces may not open store transactions: they import neither store nor
// query and never call Store(). A package of noTx (none now) may still
// import store, for error values and ids, but may not name store.Tx.
var (
	surfaces = []string{"cmd/mlite", "viewer", "mlflowapi", "report"}
	noTx     []string
)

// TestLayers fails on an import that points up or sideways: from a lower
// package into a higher one, from an internal helper into any mlite
// package but a leaf helper layers lets it use, or from a package missing
// from layers.
func TestLayers(t *testing.T) {
	seen := map[string]bool{}
	err := filepath.WalkDir(".", func(dir string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); dir != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(dir, 0)
		if _, ok := err.(*build.NoGoError); ok {
			return nil
		}
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(dir)
		if rel == "." {
			rel = ""
		}
		seen[rel] = true
		allowed, ok := layers[rel]
		if !ok {
			t.Errorf("package %s is in no layer: add it to layers and say in its doc.go what it may import", displayName(rel))
			return nil
		}
		for _, imp := range pkg.Imports {
			in, ok := strings.CutPrefix(imp, module)
			if !ok || in != "" && in[0] != '/' {
				continue
			}
			in = strings.TrimPrefix(in, "/")
			if !slices.Contains(allowed, in) {
				t.Errorf("%s imports %s: not allowed (it may import %q)", displayName(rel), imp, allowed)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range layers {
		if !seen[p] {
			t.Errorf("layers names %q, which is no package of the module", displayName(p))
		}
	}
}

// TestSurfacesOpenNoTransactions fails when a surface reaches past run and
// registry into the store: by importing store or query, or by calling
// Store() to get one; and when a package of noTx names store.Tx.
func TestSurfacesOpenNoTransactions(t *testing.T) {
	for _, dir := range append(slices.Clone(surfaces), noTx...) {
		strict := slices.Contains(surfaces, dir)
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		for _, name := range pkg.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				if p := strings.Trim(imp.Path.Value, `"`); strict && (p == module+"/store" || p == module+"/query") {
					t.Errorf("%s: imports %s; read through run and registry (and their re-exports) instead", fset.Position(imp.Pos()), p)
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && strict && sel.Sel.Name == "Store" && len(n.Args) == 0 {
						t.Errorf("%s: calls Store(); use run.Tracker.Snapshot or registry.Registry.Snapshot", fset.Position(n.Pos()))
					}
				case *ast.SelectorExpr:
					if x, ok := n.X.(*ast.Ident); ok && x.Name == "store" && n.Sel.Name == "Tx" {
						t.Errorf("%s: names store.Tx; use run.Tracker.Snapshot or registry.Registry.Snapshot", fset.Position(n.Pos()))
					}
				}
				return true
			})
		}
	}
}

func displayName(rel string) string {
	if rel == "" {
		return module
	}
	return module + "/" + rel
}
