package viewer

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"testing"
)

// TestAPIPoints: the chart view's data is every matching run as columns,
// null where a run lacks a key, with the order_by order, and markup in
// names and values survives as text.
func TestAPIPoints(t *testing.T) {
	f := newFixture(t)
	base := "/api/mlite/experiments/" + f.exp.ID.String() + "/points"
	type points struct {
		Total     int                   `json:"total"`
		OrderBy   string                `json:"order_by"`
		Hint      string                `json:"hint"`
		Order     []int                 `json:"order"`
		IDs       []string              `json:"run_ids"`
		Names     []string              `json:"run_names"`
		Parents   []string              `json:"parents"`
		Params    map[string][]*string  `json:"params"`
		Metrics   map[string][]*float64 `json:"metrics"`
		Varying   []string              `json:"varying"`
		Main      []string              `json:"main_metrics"`
		Histories []string              `json:"histories"`
	}
	var p points
	f.getJSON(t, base+"?order_by="+url.QueryEscape("metrics.auc DESC"), 200, &p)
	if p.Total != 5 || len(p.IDs) != 5 || len(p.Names) != 5 || len(p.Parents) != 5 || len(p.Order) != 5 {
		t.Fatalf("got total %d, %d ids, %d names, %d parents, order %v; want 5 of each", p.Total, len(p.IDs), len(p.Names), len(p.Parents), p.Order)
	}
	var sorted []string
	for _, i := range p.Order {
		sorted = append(sorted, p.Names[i])
	}
	if got := fmt.Sprint(sorted[:3]); got != "[child-0.001 child-0.01 child-0.1]" {
		t.Errorf("the first three by auc, highest first: got %s", got)
	}
	for k, col := range p.Params {
		if len(col) != 5 {
			t.Errorf("param %s: got %d values, want 5", k, len(col))
		}
	}
	for i, id := range p.IDs {
		lr, auc := p.Params["lr"][i], p.Metrics["auc"][i]
		switch id {
		case f.evil.String():
			if p.Names[i] != evilName || lr == nil || *lr != evilName || auc != nil || p.Parents[i] != "" {
				t.Errorf("the evil run: got name %q lr %v auc %v parent %q, want its name as lr, no auc, no parent", p.Names[i], lr, auc, p.Parents[i])
			}
		case f.parent.String():
			if lr != nil || auc != nil || p.Metrics["best_auc"][i] == nil {
				t.Errorf("the sweep: got lr %v auc %v best_auc %v, want only best_auc", lr, auc, p.Metrics["best_auc"][i])
			}
		default:
			if lr == nil || auc == nil || p.Parents[i] != f.parent.String() {
				t.Errorf("child %s: got lr %v auc %v parent %q, want both and the sweep", p.Names[i], lr, auc, p.Parents[i])
			}
		}
	}
	if !slices.Equal(p.Histories, []string{"loss"}) || len(p.Main) == 0 || p.Main[0] != "auc" || !slices.Contains(p.Varying, "lr") {
		t.Errorf("got histories %v, main metrics %v, varying %v; want [loss], auc first, lr varying", p.Histories, p.Main, p.Varying)
	}

	var none points
	f.getJSON(t, base+"?filter="+url.QueryEscape("metrics.los < 1"), 200, &none)
	if none.Total != 0 || len(none.IDs) != 0 || none.Hint != "no run has metric `los`; did you mean `loss`?" {
		t.Errorf("a filter on a key no run has: got %d runs, hint %q", none.Total, none.Hint)
	}
	var bad map[string]any
	f.getJSON(t, base+"?filter="+url.QueryEscape("metrics.auc >"), 400, &bad)
}

// TestColumn: a column written across many chunks, with gaps, escapes and
// numbers that JSON cannot carry, reads back as the values it was given.
func TestColumn(t *testing.T) {
	var strs, nums column
	var wantS []any
	var wantN []any
	for i := range 3000 {
		switch {
		case i%7 == 3: // none
			wantS, wantN = append(wantS, nil), append(wantN, nil)
		case i%11 == 5:
			s := fmt.Sprintf("<\"%d\"\n\u00e9\x01>", i)
			strs.at(i)
			strs.str(s)
			nums.at(i)
			nums.num(math.Inf(-1))
			wantS, wantN = append(wantS, s), append(wantN, "-Infinity")
		default:
			s := fmt.Sprint("value-", i)
			strs.at(i)
			strs.str(s)
			nums.at(i)
			nums.num(float64(i) / 3)
			wantS, wantN = append(wantS, s), append(wantN, float64(i)/3)
		}
	}
	for _, c := range []struct {
		name string
		col  *column
		want []any
	}{{"strings", &strs, wantS}, {"numbers", &nums, wantN}} {
		c.col.fill(3001) // a last run without it
		c.want = append(c.want, nil)
		b := c.col.appendTo([]byte("["))
		b = append(b, ']')
		if len(b) != c.col.len()+2 {
			t.Errorf("%s: len says %d bytes, got %d", c.name, c.col.len(), len(b)-2)
		}
		var got []any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: %v in %.200s", c.name, err, b)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || len(c.col.chunks) < 2 {
			t.Errorf("%s (%d chunks): got %.300v, want %.300v", c.name, len(c.col.chunks), got, c.want)
		}
	}
}
