package run_test

import (
	"errors"
	"fmt"
	"github.com/google/uuid"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mlite/mlite/query"
	"github.com/mlite/mlite/run"
	"github.com/mlite/mlite/store"
)

// searchFixture: six runs over two experiments, one deleted.
func searchFixture(t *testing.T) (*run.Tracker, map[string]run.ID, run.ExperimentID) {
	tr := newTracker(t, nil)
	x, _ := tr.CreateExperiment(ctx, "credit", nil)
	base := time.UnixMilli(1_700_000_000_000)
	ids := map[string]run.ID{}
	type spec struct {
		name  string
		exp   run.ExperimentID
		model string
		auc   float64
		loss  []float64
		ds    string
	}
	specs := []spec{
		{"rf", x.ID, "random_forest", 0.88, []float64{0.9, 0.5, 0.4}, "training"},
		{"lgbm_smote", x.ID, "lgbm", 0.94, []float64{0.7, 0.1, 0.15}, "training"},
		{"lgbm_plain", x.ID, "lgbm", 0.91, []float64{0.8, 0.3, 0.25}, "eval"},
		{"logreg", x.ID, "logreg", math.NaN(), []float64{0.6}, ""},
		{"other", 0, "lgbm", 0.99, nil, ""},
		{"gone", x.ID, "lgbm", 0.97, nil, ""},
	}
	for i, s := range specs {
		r, err := tr.StartRun(ctx, s.exp, run.Name(s.name), run.StartTime(base.Add(time.Duration(i)*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		r.LogParam("model", s.model)
		r.SetTag("team", "risk")
		r.LogMetric("auc", s.auc)
		for j, l := range s.loss {
			r.LogMetric("loss", l, run.Step(int64(j)))
		}
		if s.ds != "" {
			r.LogInput(ctx, run.Dataset{Name: "loans", Digest: "d1", SourceType: "local", Source: "loans.csv"}, s.ds)
		}
		r.End(ctx)
		ids[s.name] = r.ID()
	}
	tr.DeleteRun(ctx, ids["gone"])
	return tr, ids, x.ID
}

func names(p *run.Page) string {
	var out []string
	for _, r := range p.Runs {
		out = append(out, r.Name)
	}
	return strings.Join(out, ",")
}

func TestSearchRuns(t *testing.T) {
	tr, _, exp := searchFixture(t)
	cases := []struct {
		filter string
		order  []string
		exps   []run.ExperimentID
		view   run.ViewType
		want   string
	}{
		{"", nil, nil, 0, "other,logreg,lgbm_plain,lgbm_smote,rf"},
		{"metrics.auc > 0.9 and params.model = 'lgbm'", []string{"metrics.auc DESC"}, nil, 0, "other,lgbm_smote,lgbm_plain"},
		{"metrics.auc > 0.9 and params.model = 'lgbm'", []string{"metrics.auc DESC"}, []run.ExperimentID{exp}, 0, "lgbm_smote,lgbm_plain"},
		{"params.model = 'lgbm'", nil, []run.ExperimentID{exp}, run.All, "gone,lgbm_plain,lgbm_smote"},
		{"params.model = 'lgbm'", nil, nil, run.DeletedOnly, "gone"},
		{"", []string{"metrics.auc ASC"}, []run.ExperimentID{exp}, 0, "rf,lgbm_plain,lgbm_smote,logreg"},
		{"min(metrics.loss) < 0.2", nil, nil, 0, "lgbm_smote"},
		{"count(metrics.loss) = 3 and avg(metrics.loss) < 0.5", nil, nil, 0, "lgbm_plain,lgbm_smote"},
		{"datasets.context = 'eval'", nil, nil, 0, "lgbm_plain"},
		{"attributes.run_name LIKE 'lgbm%' OR tags.mlflow.runName = 'rf'", []string{"attributes.run_name"}, nil, 0, "lgbm_plain,lgbm_smote,rf"},
		{"attributes.status = 'FINISHED' and metrics.auc != 0.88", nil, []run.ExperimentID{exp}, 0, "logreg,lgbm_plain,lgbm_smote"},
		{"metrics.missing > 0", nil, nil, 0, ""},
	}
	for _, c := range cases {
		p, err := tr.SearchRuns(ctx, run.SearchOptions{Filter: c.filter, OrderBy: c.order, ExperimentIDs: c.exps, View: c.view})
		if err != nil {
			t.Errorf("filter %q: %v", c.filter, err)
			continue
		}
		if got := names(p); got != c.want {
			t.Errorf("filter %q order %v: got %s, want %s", c.filter, c.order, got, c.want)
		}
	}
}

func TestSearchRunsErrors(t *testing.T) {
	tr, _, _ := searchFixture(t)
	for _, o := range []run.SearchOptions{
		{Filter: "metrics.auc => 0.9"},
		{Filter: "params.model = lgbm"},
		{OrderBy: []string{"metrics.auc SIDEWAYS"}},
		{PageToken: "not-a-token"},
		{MaxResults: 50001},
	} {
		_, err := tr.SearchRuns(ctx, o)
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: got %v, want ErrInvalid", o, err)
		}
	}
	_, err := tr.SearchRuns(ctx, run.SearchOptions{Filter: "metrics.auc => 0.9"})
	if !errors.Is(err, query.ErrInvalid) || !strings.Contains(err.Error(), "col") {
		t.Errorf("bad comparator: got %v, want a query error naming the column", err)
	}
	// A token is bound to its search.
	p, _ := tr.SearchRuns(ctx, run.SearchOptions{MaxResults: 1})
	if _, err := tr.SearchRuns(ctx, run.SearchOptions{MaxResults: 1, Filter: "params.model = 'lgbm'", PageToken: p.NextPageToken}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("token from another search: got %v, want ErrInvalid", err)
	}
}

const pagingRuns = 10000

// TestSearchPagingWhileInserting reads 10,000 runs in pages of 100 while
// another goroutine keeps starting runs: no run that existed when the
// search began is skipped or repeated.
func TestSearchPagingWhileInserting(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 runs")
	}
	tr := newTracker(t, nil)
	base := time.UnixMilli(1_600_000_000_000)
	before := map[run.ID]bool{}
	// The runs that exist when the search begins, written in one transaction.
	err := tr.Store().Update(ctx, func(tx *store.Tx) error {
		for i := range pagingRuns {
			r := &store.Run{ID: store.RunID(uuid.New()), Name: fmt.Sprint("r", i), Status: store.Finished,
				StartTime: base.Add(time.Duration(i%500) * time.Second).UnixMilli()}
			if err := tx.CreateRun(r); err != nil {
				return err
			}
			if err := tx.AppendPoints(r, "auc", []store.Point{{Value: float64(i%97) / 97}}); err != nil {
				return err
			}
			if err := tx.PutRun(r); err != nil {
				return err
			}
			before[r.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.Store().Flush(ctx)
	stop := make(chan struct{})
	var inserted atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Bounded, and paced to spread over the paging: an unbounded
		// inserter would keep adding pages faster than they are read.
		for i := 0; i < 3000; i++ {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Microsecond):
			}
			// Both newer and older than the runs already there, and ties.
			st := base.Add(time.Duration(i%700-100) * time.Second)
			r, err := tr.StartRun(ctx, 0, run.StartTime(st))
			if err != nil {
				t.Error(err)
				return
			}
			r.LogMetric("auc", float64(i%89)/89)
			inserted.Add(1)
		}
	}()
	for _, order := range [][]string{nil, {"metrics.auc DESC"}} {
		seen := map[run.ID]int{}
		tok := ""
		for {
			p, err := tr.SearchRuns(ctx, run.SearchOptions{OrderBy: order, MaxResults: 100, PageToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Runs {
				seen[r.ID]++
			}
			if tok = p.NextPageToken; tok == "" {
				break
			}
		}
		for id := range before {
			if seen[id] != 1 {
				t.Fatalf("order %v: run %s seen %d times, want 1", order, id, seen[id])
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("order %v: run %s (added while paging) seen %d times", order, id, n)
			}
		}
	}
	close(stop)
	wg.Wait()
	if inserted.Load() == 0 {
		t.Error("no run was inserted while paging")
	}
	t.Logf("%d runs inserted while paging", inserted.Load())
}

func TestSearchExperiments(t *testing.T) {
	tr := newTracker(t, nil)
	tr.CreateExperiment(ctx, "credit_default", map[string]string{"team": "risk"})
	tr.CreateExperiment(ctx, "churn", map[string]string{"team": "growth"})
	x, _ := tr.CreateExperiment(ctx, "credit_limits", nil)
	tr.DeleteExperiment(ctx, x.ID)
	xs, _, err := tr.SearchExperiments(ctx, "name LIKE 'credit%'", []string{"name"}, run.All, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != 2 || xs[0].Name != "credit_default" || xs[1].Name != "credit_limits" {
		t.Errorf("got %v", xs)
	}
	xs, _, _ = tr.SearchExperiments(ctx, "tags.team = 'risk'", nil, run.ActiveOnly, 0, "")
	if len(xs) != 1 || xs[0].Name != "credit_default" {
		t.Errorf("tags.team = 'risk': got %v", xs)
	}
	xs, tok, _ := tr.SearchExperiments(ctx, "", []string{"name"}, run.ActiveOnly, 2, "")
	rest, tok2, err := tr.SearchExperiments(ctx, "", []string{"name"}, run.ActiveOnly, 2, tok)
	if err != nil || len(xs) != 2 || len(rest) != 1 || tok2 != "" || rest[0].Name != "credit_default" {
		t.Errorf("paging: %v then %v (%v)", xs, rest, err)
	}
}
