package viewer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlite/mlite/registry"
)

// TestDiffPage registers a second version from another run and shows the
// diff page: the changed params and files, links to both versions; bad
// and missing versions get 400 and 404.
func TestDiffPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "model.json"), []byte(`{"w":[3,4]}`), 0o644))
	if _, _, err := f.db.Registry().LogModel(ctx, f.children[1], dir, &registry.LogModelOptions{RegisteredModelName: "CreditModel"}); err != nil {
		t.Fatal(err)
	}
	rec := f.get(t, "/models/CreditModel/diff?a=1&b=2")
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("got %d %s", rec.Code, body)
	}
	if v2 := f.get(t, "/models/CreditModel/versions/2").Body.String(); !strings.Contains(v2, `href="/models/CreditModel/diff?a=1&amp;b=2"`) {
		t.Errorf("version 2's page has no link to the diff with version 1")
	}
	for _, want := range []string{`id="diff-params"`, ">lr<", `id="diff-files"`, "model.json", `href="/models/CreditModel/versions/2"`, "Metrics"} {
		if !strings.Contains(body, want) {
			t.Errorf("the diff page has no %q", want)
		}
	}
	for url, code := range map[string]int{"/models/CreditModel/diff?a=1&b=9": 404, "/models/CreditModel/diff?a=1&b=x": 400, "/models/CreditModel/diff?a=1": 400} {
		if got := f.get(t, url).Code; got != code {
			t.Errorf("%s: got %d, want %d", url, got, code)
		}
	}
}
