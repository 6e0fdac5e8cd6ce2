package registry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mlite/mlite/registry"
	"github.com/mlite/mlite/store"
)

// searchCase is a search and the names it must list, in order.
type searchCase struct {
	filter string
	order  []string
	want   string
}

// checkSearches runs each case with search and compares the names of what
// it lists, on one page.
func checkSearches[T any](t *testing.T, what string, cases []searchCase, search func(context.Context, registry.SearchOptions) ([]T, string, error), name func(T) string) {
	t.Helper()
	for _, tt := range cases {
		xs, next, err := search(context.Background(), registry.SearchOptions{Filter: tt.filter, OrderBy: tt.order})
		if err != nil {
			t.Errorf("%s(%q): %v", what, tt.filter, err)
			continue
		}
		if got := joined(xs, name); got != tt.want || next != "" {
			t.Errorf("%s(%q, %v) = %q (next %q), want %q", what, tt.filter, tt.order, got, next, tt.want)
		}
	}
}

func modelName(m *registry.RegisteredModel) string { return m.Name }

func TestSearchModels(t *testing.T) {
	ctx := context.Background()
	_, reg, id := setup(t)
	src := "runs:/" + id.String() + "/model"
	for _, name := range []string{"credit-lgbm", "credit-logreg", "fraud", "Credit-Big"} {
		mustVersion(t, reg, name, src)
	}
	if err := reg.SetModelTag(ctx, "fraud", "team", "risk"); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateModel(ctx, "prompt", map[string]string{"mlflow.prompt.is_prompt": "true"}, ""); err != nil {
		t.Fatal(err)
	}
	checkSearches(t, "SearchModels", []searchCase{
		{"", nil, "Credit-Big credit-lgbm credit-logreg fraud"},
		{"name LIKE 'credit%'", nil, "credit-lgbm credit-logreg"},
		{"name ILIKE 'credit%'", nil, "Credit-Big credit-lgbm credit-logreg"},
		{"name != 'fraud'", []string{"name DESC"}, "credit-logreg credit-lgbm Credit-Big"},
		{"tags.team = 'risk'", nil, "fraud"},
		{"tags.`mlflow.prompt.is_prompt` = 'true'", nil, "prompt"},
		{"tags.`mlflow.prompt.is_prompt` != 'false'", nil, "prompt"},
		// What the mlflow client adds to every search: models only.
		{"tags.`mlflow.prompt.is_prompt` != 'true'", nil, "Credit-Big credit-lgbm credit-logreg fraud"},
		{"name LIKE 'credit%' AND tags.`mlflow.prompt.is_prompt` != 'true'", nil, "credit-lgbm credit-logreg"},
		{"tags.`mlflow.prompt.is_prompt` = 'false'", nil, "Credit-Big credit-lgbm credit-logreg fraud"},
		{"name = 'nope'", nil, ""},
	}, reg.SearchModels, modelName)
	// Paging visits every model once.
	var all []*registry.RegisteredModel
	tok := ""
	for page := 0; ; page++ {
		ms, next, err := reg.SearchModels(ctx, registry.SearchOptions{MaxResults: 3, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ms...)
		if next == "" {
			break
		}
		tok = next
	}
	if got := joined(all, modelName); got != "Credit-Big credit-lgbm credit-logreg fraud" {
		t.Fatalf("paged search = %q", got)
	}
	for _, o := range []registry.SearchOptions{
		{Filter: "name = "},
		{Filter: "metrics.auc > 1"},
		{OrderBy: []string{"version_number"}},
		{MaxResults: 1001},
		{MaxResults: -1},
		{PageToken: "garbage"},
	} {
		if _, _, err := reg.SearchModels(ctx, o); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("SearchModels(%+v) = %v, want ErrInvalid", o, err)
		}
	}
}

func TestSearchVersions(t *testing.T) {
	ctx := context.Background()
	db, reg, id := setup(t)
	other := logRun(t, db, map[string]string{"model/w.txt": "w"})
	src := "runs:/" + id.String() + "/model"
	for range 3 {
		mustVersion(t, reg, "a", src)
	}
	mustVersion(t, reg, "b", "runs:/"+other.String()+"/model")
	if err := reg.SetVersionTag(ctx, "a", 2, "validation_status", "passed"); err != nil {
		t.Fatal(err)
	}
	checkSearches(t, "SearchVersions", []searchCase{
		{"name = 'a'", []string{"version_number"}, "a/1 a/2 a/3"},
		{"name = 'a' and version_number >= 2", []string{"version_number DESC"}, "a/3 a/2"},
		{"run_id = '" + other.String() + "'", nil, "b/1"},
		{"run_id IN ('" + other.String() + "', '" + id.String() + "')", []string{"name", "version_number"}, "a/1 a/2 a/3 b/1"},
		{"source_path LIKE '%/model'", []string{"name DESC", "version_number"}, "b/1 a/1 a/2 a/3"},
		{"tags.validation_status = 'passed'", nil, "a/2"},
	}, reg.SearchVersions, func(v *registry.ModelVersion) string { return fmt.Sprintf("%s/%d", v.Name, v.Version) })
	// The default order is the newest change first.
	time.Sleep(2 * time.Millisecond)
	if err := reg.UpdateVersionDescription(ctx, "a", 1, "touched last"); err != nil {
		t.Fatal(err)
	}
	vs, _, err := reg.SearchVersions(ctx, registry.SearchOptions{MaxResults: 1})
	if err != nil || len(vs) != 1 || vs[0].Name != "a" || vs[0].Version != 1 {
		t.Fatalf("newest change first = %+v, %v; want a/1", vs[0], err)
	}
	if _, _, err := reg.SearchVersions(ctx, registry.SearchOptions{Filter: "version_number = 'x'"}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("a string compared with version_number: got %v, want ErrInvalid", err)
	}
	if _, _, err := reg.SearchVersions(ctx, registry.SearchOptions{MaxResults: 200_001}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("max_results over 200000: got %v, want ErrInvalid", err)
	}
}
