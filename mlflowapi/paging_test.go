package mlflowapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
)

// page decodes a search answer into its items' identities and token.
func page(t *testing.T, f *fixture, method, target, body, list string, id func(map[string]any) string) ([]string, string) {
	t.Helper()
	rec := f.do(t, method, target, body)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s %s %s: got %d %s, want 200", method, target, body, rec.Code, rec.Body)
	}
	var resp map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	var ids []string
	items, _ := resp[list].([]any)
	for _, it := range items {
		ids = append(ids, id(it.(map[string]any)))
	}
	tok, _ := resp["next_page_token"].(string)
	return ids, tok
}

func TestPaging(t *testing.T) {
	f := newFixture(t)
	runID := func(m map[string]any) string { return m["info"].(map[string]any)["run_id"].(string) }
	name := func(m map[string]any) string { return m["name"].(string) }
	version := func(m map[string]any) string { return m["name"].(string) + "/" + m["version"].(string) }
	expID := func(m map[string]any) string { return m["experiment_id"].(string) }
	metric := func(m map[string]any) string { return fmt.Sprint(m["step"]) }

	for _, tc := range []struct {
		name   string
		method string
		target string
		body   func(tok string) string // POST body, or a query suffix for GET
		list   string
		id     func(map[string]any) string
		want   int
	}{
		{"runs", "POST", api + "runs/search", func(tok string) string {
			return fmt.Sprintf(`{"experiment_ids": ["1"], "max_results": 1, "page_token": %q}`, tok)
		}, "runs", runID, 3},
		{"runs all views", "POST", api + "runs/search", func(tok string) string {
			return fmt.Sprintf(`{"experiment_ids": ["1", "0"], "run_view_type": "ALL", "max_results": 2, "page_token": %q}`, tok)
		}, "runs", runID, 4},
		{"experiments", "POST", api + "experiments/search", func(tok string) string {
			return fmt.Sprintf(`{"view_type": "ALL", "max_results": 1, "page_token": %q}`, tok)
		}, "experiments", expID, 3},
		{"models", "GET", api + "registered-models/search?max_results=1", func(tok string) string {
			return "&page_token=" + url.QueryEscape(tok)
		}, "registered_models", name, 2},
		{"versions", "GET", api + "model-versions/search?max_results=1", func(tok string) string {
			return "&page_token=" + url.QueryEscape(tok)
		}, "model_versions", version, 4},
		{"history", "GET", api + "metrics/get-history?run_id={run:rf}&metric_key=auc&max_results=1", func(tok string) string {
			return "&page_token=" + url.QueryEscape(tok)
		}, "metrics", metric, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var all []string
			tok := ""
			for i := 0; ; i++ {
				if i > 10 {
					t.Fatal("more pages than items")
				}
				target, body := tc.target, tc.body(tok)
				if tc.method == "GET" {
					if tok != "" {
						target += body
					}
					body = ""
				}
				ids, next := page(t, f, tc.method, target, body, tc.list, tc.id)
				all = append(all, ids...)
				if next == "" {
					break
				}
				tok = next
			}
			dedup := slices.Compact(slices.Sorted(slices.Values(all)))
			if len(all) != tc.want || len(dedup) != len(all) {
				t.Errorf("paged through %v, want %d distinct items", all, tc.want)
			}
		})
	}
}
