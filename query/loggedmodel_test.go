package query

import (
	"errors"
	"testing"
)

type lmRecord struct {
	BaseRecord
	params, tags map[string]string
	attrs        map[string]Value
}

func (r lmRecord) Param(k string) (string, bool) { v, ok := r.params[k]; return v, ok }
func (r lmRecord) Tag(k string) (string, bool)   { v, ok := r.tags[k]; return v, ok }
func (r lmRecord) Metric(k string) (float64, bool) {
	if k == "auc" {
		return 0.9, true
	}
	return 0, false
}
func (r lmRecord) Attr(k string) (Value, bool) { v, ok := r.attrs[k]; return v, ok }

func TestLoggedModelFilters(t *testing.T) {
	rec := lmRecord{
		params: map[string]string{"C": "1.0"},
		tags:   map[string]string{"mlflow.user": "ana"},
		attrs: map[string]Value{
			AttrName: StringValue("model"), AttrSourceRunID: StringValue("r1"), AttrStatus: StringValue("READY"),
			AttrCreationTimestamp: IntValue(1000), AttrModelID: StringValue("m-1"),
		},
	}
	for _, c := range []struct {
		filter string
		want   bool
	}{
		{"name = 'model' AND source_run_id = 'r1'", true},
		{"metrics.auc > 0.5 AND params.C = '1.0'", true},
		{"metrics.auc > 0.95", false},
		{"tags.`mlflow.user` = 'ana' AND status = 'READY'", true},
		{"creation_time >= 1000 AND attributes.creation_timestamp_ms < 2000", true},
		{"name IN ('a', 'model')", true},
		{"model_id != 'm-1'", false},
	} {
		f, err := ParseFilter(LoggedModels, c.filter)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", c.filter, err)
			continue
		}
		if got := f.Match(rec); got != c.want {
			t.Errorf("%q: got %v, want %v", c.filter, got, c.want)
		}
	}
	for _, bad := range []string{"datasets.name = 'x'", "foo = 'x'", "min(metrics.auc) < 1", "metrics.auc LIKE 'x'"} {
		if _, err := ParseFilter(LoggedModels, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseFilter(%q): got %v, want ErrInvalid", bad, err)
		}
	}
}
