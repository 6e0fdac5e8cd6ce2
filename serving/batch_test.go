package serving_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/mlite/mlite/serving"
	"github.com/mlite/mlite/serving/servingtest"
)

// goldenRequest is the lightgbm package's golden request for name, as CSV
// and as JSON Lines, with pyfunc's answers.
func goldenRequest(t *testing.T, name string) (csvText, jsonl string, request []byte, want []any) {
	t.Helper()
	raw, err := os.ReadFile("lightgbm/testdata/" + name + "/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp servingtest.Expected
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	var req struct {
		Split struct {
			Columns []string `json:"columns"`
			Data    [][]any  `json:"data"`
		} `json:"dataframe_split"`
	}
	if err := json.Unmarshal(exp.Request, &req); err != nil {
		t.Fatal(err)
	}
	var c, j strings.Builder
	c.WriteString(strings.Join(req.Split.Columns, ",") + "\n")
	for _, row := range req.Split.Data {
		cells := make([]string, len(row))
		rec := map[string]any{}
		for i, v := range row {
			if v != nil {
				cells[i] = fmt.Sprint(v)
			}
			rec[req.Split.Columns[i]] = v
		}
		c.WriteString(strings.Join(cells, ",") + "\n")
		b, _ := json.Marshal(rec)
		j.Write(append(b, '\n'))
	}
	return c.String(), j.String(), exp.Request, exp.Predictions
}

// TestBatch: scoring a file in batches of 7 rows answers what pyfunc
// answered for the whole request, from CSV, JSON Lines or a request.
func TestBatch(t *testing.T) {
	for _, name := range []string{"binary", "multiclass"} {
		csvText, jsonl, request, want := goldenRequest(t, name)
		m, err := serving.LoadFS(os.DirFS("lightgbm/testdata/" + name))
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range []struct{ format, text string }{{"csv", csvText}, {"jsonl", jsonl}, {"jsonl", string(request)}} {
			var got []any
			var progress []int64
			n, err := m.Batch(context.Background(), strings.NewReader(in.text), &serving.BatchOptions{Rows: 7, Format: in.format,
				Progress: func(rows int64) { progress = append(progress, rows) }},
				func(preds []float64, width int) error {
					got = append(got, serving.Outputs(preds, width)...)
					return nil
				})
			if err != nil {
				t.Fatalf("%s %s: %v", name, in.format, err)
			}
			if n != int64(len(want)) || len(progress) == 0 || progress[len(progress)-1] != n {
				t.Errorf("%s %s: got %d rows, progress %v; want %d", name, in.format, n, progress, len(want))
			}
			// The answers went through JSON in pyfunc's file: compare them so.
			b, _ := json.Marshal(got)
			var back []any
			json.Unmarshal(b, &back)
			servingtest.Compare(t, back, want, false)
		}
	}
}

// TestBatchBadRows: a bad row stops the batch with ErrBatchInput, naming
// the row (from 1) and column; rows before it were scored.
func TestBatchBadRows(t *testing.T) {
	m, err := serving.LoadFS(os.DirFS("lightgbm/testdata/binary"))
	if err != nil {
		t.Fatal(err)
	}
	good := "1.5,0.5,30,0.2\n"
	for _, tt := range []struct {
		name, format, text, want string
		scored                   int64
	}{
		{"string in a double", "csv", "income,debt_ratio,age,utilisation\n" + strings.Repeat(good, 5) + "x,0.5,30,0.2\n", "row 6", 4},
		{"missing column", "csv", "income,debt_ratio,utilisation\n1,2,3\n", "age", 0},
		{"ragged row", "csv", "income,debt_ratio,age,utilisation\n1,2\n", "wrong number of fields", 0},
		{"not an object", "jsonl", `{"income": 1, "debt_ratio": 0.5, "age": 3, "utilisation": 0.1}` + "\n[1, 2]\n", "line 2", 0},
		{"float for a long", "jsonl", `{"income": 1, "debt_ratio": 0.5, "age": 3.5, "utilisation": 0.1}` + "\n", "age", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n, err := m.Batch(context.Background(), strings.NewReader(tt.text), &serving.BatchOptions{Rows: 4, Format: tt.format},
				func([]float64, int) error { return nil })
			if !errors.Is(err, serving.ErrBatchInput) || !strings.Contains(err.Error(), tt.want) || n != tt.scored {
				t.Errorf("got %d rows, %v; want %d rows and ErrBatchInput naming %q", n, err, tt.scored, tt.want)
			}
		})
	}
	if _, err := m.Batch(context.Background(), strings.NewReader(""), &serving.BatchOptions{Format: "xml"}, nil); err == nil || errors.Is(err, serving.ErrBatchInput) {
		t.Errorf("format xml: got %v, want an error about the format", err)
	}
	n, err := m.Batch(context.Background(), strings.NewReader("income,debt_ratio,age,utilisation\n"), nil, nil)
	if err != nil || n != 0 {
		t.Errorf("a header only: got %d, %v; want 0 rows", n, err)
	}
}
