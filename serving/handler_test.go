package serving

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mlite/mlite/registry/mlmodel"
)

// sumPredictor predicts x + n for each row, an error when x is 13.
type sumPredictor struct{}

func (sumPredictor) Predict(ctx context.Context, f *mlmodel.Frame) ([]float64, error) {
	x, _ := f.Column("x")
	n, _ := f.Column("n")
	out := make([]float64, f.Rows)
	for i := range out {
		if x.Floats[i] == 13 {
			return nil, errors.New("unlucky")
		}
		out[i] = x.Floats[i] + float64(n.Ints[i])
	}
	return out, nil
}

func init() {
	Register("test_sum", func(files fs.FS, flavor map[string]any) (Predictor, error) {
		if _, err := fs.Stat(files, flavor["model_file"].(string)); err != nil {
			return nil, err
		}
		return sumPredictor{}, nil
	})
}

// testFS returns a model directory of type typ with the schema x double,
// n long, tag string (optional).
func testFS(t testing.TB, typ string) fstest.MapFS {
	t.Helper()
	mm := mlmodel.New("model", "0123456789abcdef0123456789abcdef", map[string]map[string]any{
		mlmodel.GoFlavor: {"model_file": "model.bin", "model_type": typ},
	})
	mm.Signature = &mlmodel.Signature{Inputs: &mlmodel.Schema{Cols: []mlmodel.ColSpec{
		mlmodel.Col("x", mlmodel.Double), mlmodel.Col("n", mlmodel.Long),
		{Name: "tag", Type: mlmodel.Type{Kind: mlmodel.String}},
	}}}
	var buf bytes.Buffer
	if err := mm.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{
		"MLmodel":   {Data: buf.Bytes()},
		"model.bin": {Data: []byte("weights")},
	}
}

func testHandler(t testing.TB) http.Handler {
	t.Helper()
	m, err := LoadFS(testFS(t, "test_sum"))
	if err != nil {
		t.Fatal(err)
	}
	return New(m, &Options{MaxBodyBytes: 4096, Version: "test-1"})
}

func TestInvocations(t *testing.T) {
	h := testHandler(t)
	const js, csv = "application/json", "text/csv"
	tests := []struct {
		name, ctype, body string
		status            int
		want              string // the predictions JSON, or a substring of the error message
	}{
		{"split", js, `{"dataframe_split": {"columns": ["x", "n"], "data": [[1.5, 2], [0, 1]]}}`, 200, `[3.5,1]`},
		{"split index", js, `{"dataframe_split": {"index": [7], "columns": ["n", "x", "extra"], "data": [[2, 1.5, "z"]]}}`, 200, `[3.5]`},
		{"split charset", js + "; charset=UTF-8", `{"dataframe_split": {"columns": ["x", "n"], "data": [[1, 2]]}}`, 200, `[3]`},
		{"records", js, `{"dataframe_records": [{"x": 1, "n": 2, "tag": "a"}, {"x": 0.25, "n": -1}]}`, 200, `[3,-0.75]`},
		{"instances", js, `{"instances": [{"x": 1, "n": 2}]}`, 200, `[3]`},
		{"inputs columns", js, `{"inputs": {"x": [1, 2], "n": [10, 20]}}`, 200, `[11,22]`},
		{"inputs one record", js, `{"inputs": {"x": 1, "n": 10}}`, 200, `[11]`},
		{"inputs rows", js, `{"inputs": [{"x": 1, "n": 10}], "params": {}}`, 200, `[11]`},
		{"csv", csv, "x,n,tag\n1.5,2,7\n2,3,\n", 200, `[3.5,5]`},
		{"csv charset", csv + "; charset=utf-8", "n,x\n1,1\n", 200, `[2]`},

		{"missing column", js, `{"dataframe_split": {"columns": ["x"], "data": [[1]]}}`, 400, `n`},
		{"records missing", js, `{"dataframe_records": [{"x": 1}]}`, 400, `n`},
		{"fraction into long", js, `{"dataframe_records": [{"x": 1, "n": 1.5}]}`, 400, `n`},
		{"text into double", js, `{"dataframe_split": {"columns": ["x", "n"], "data": [["a", 1]]}}`, 400, `x`},
		{"csv text into long", csv, "x,n\n1,abc\n", 400, `n`},
		{"null required long", js, `{"inputs": {"x": [1], "n": [null]}}`, 400, `n`},
		{"no key", js, `{"data": [[1, 2]]}`, 400, `exactly one of the input fields`},
		{"two keys", js, `{"instances": [], "inputs": []}`, 400, `exactly one of the input fields`},
		{"bare list", js, `[[1, 2]]`, 400, `exactly one of the input fields`},
		{"not json", js, `{"inputs":`, 400, `exactly one of the input fields`},
		{"trailing", js, `{"inputs": {"x": 1, "n": 1}} {}`, 400, `exactly one`},
		{"split bad key", js, `{"dataframe_split": {"columns": ["x", "n"], "data": [[1, 2]], "dtype": 1}}`, 400, `dtype`},
		{"split no data", js, `{"dataframe_split": {"columns": ["x", "n"]}}`, 400, `no data`},
		{"split ragged", js, `{"dataframe_split": {"columns": ["x", "n"], "data": [[1]]}}`, 400, `row 0`},
		{"records not list", js, `{"dataframe_records": {"x": 1}}`, 400, `list of objects`},
		{"params not object", js, `{"inputs": {"x": 1, "n": 1}, "params": [1]}`, 400, `params`},
		{"empty csv", csv, "", 400, `empty`},
		{"csv header only", csv, "x,n\n", 400, `no rows`},
		{"predict error", js, `{"inputs": {"x": [13], "n": [1]}}`, 400, `unexpected error while evaluating the model`},
		{"too large", js, `{"inputs": {"x": [` + strings.Repeat("1,", 3000) + `1]}}`, 413, `larger than 4096 bytes`},

		{"no content type", "", `{}`, 415, `application/json`},
		{"text/plain", "text/plain", `x`, 415, `Got 'text/plain'`},
		{"latin1", js + "; charset=latin-1", `{}`, 415, `UTF-8`},
		{"other param", js + "; format=pandas-split", `{}`, 415, `Got`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/invocations", strings.NewReader(tt.body))
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("%s %q: got status %d (%s), want %d", tt.ctype, tt.body, rec.Code, body, tt.status)
			}
			switch {
			case tt.status == 200:
				var got struct{ Predictions json.RawMessage }
				if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
					t.Fatalf("%q: got body %s: %v", tt.body, body, err)
				}
				if string(got.Predictions) != tt.want {
					t.Errorf("%q: got predictions %s, want %s", tt.body, got.Predictions, tt.want)
				}
			case tt.status == 415:
				if !strings.Contains(body, tt.want) {
					t.Errorf("%q: got body %q, want it to contain %q", tt.ctype, body, tt.want)
				}
			default:
				var e struct {
					ErrorCode string `json:"error_code"`
					Message   string
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil {
					t.Fatalf("%q: error body %s: %v", tt.body, body, err)
				}
				if e.ErrorCode != "BAD_REQUEST" || !strings.HasPrefix(e.Message, "Invalid input.") && tt.name != "predict error" {
					t.Errorf("%q: got error %+v, want BAD_REQUEST with Invalid input.", tt.body, e)
				}
				if !strings.Contains(e.Message, tt.want) {
					t.Errorf("%q: got message %q, want it to contain %q", tt.body, e.Message, tt.want)
				}
			}
		})
	}
}

// TestSchemaErrorNamesColumn checks that a refused column is quoted in the
// message, not merely present as a letter.
func TestSchemaErrorNamesColumn(t *testing.T) {
	h := testHandler(t)
	for body, col := range map[string]string{
		`{"dataframe_records": [{"x": 1, "n": 1.5}]}`:                      `column "n"`,
		`{"dataframe_split": {"columns": ["x", "n"], "data": [["a", 1]]}}`: `column "x"`,
		`{"dataframe_split": {"columns": ["n"], "data": [[1]]}}`:           "'x'",
	} {
		req := httptest.NewRequest("POST", "/invocations", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var e struct{ Message string }
		json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != 400 || !strings.Contains(e.Message, col) {
			t.Errorf("%s: got %d %q, want 400 naming %s", body, rec.Code, e.Message, col)
		}
	}
}

func TestRoutes(t *testing.T) {
	h := testHandler(t)
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/ping", 200, "\n"},
		{"GET", "/health", 200, "\n"},
		{"GET", "/version", 200, "test-1"},
		{"GET", "/invocations", 405, ""},
		{"POST", "/ping", 405, ""},
		{"GET", "/nope", 404, ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.status || tt.body != "" && rec.Body.String() != tt.body {
			t.Errorf("%s %s: got %d %q, want %d %q", tt.method, tt.path, rec.Code, rec.Body, tt.status, tt.body)
		}
	}
}

func TestTimeout(t *testing.T) {
	m, err := LoadFS(testFS(t, "test_sum"))
	if err != nil {
		t.Fatal(err)
	}
	m.Predictor = blockPredictor{}
	h := New(m, &Options{Timeout: 1})
	req := httptest.NewRequest("POST", "/invocations", strings.NewReader(`{"inputs": {"x": [1], "n": [1]}}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 504 || !strings.Contains(rec.Body.String(), "exceeded limit") {
		t.Errorf("got %d %s, want 504", rec.Code, rec.Body)
	}
}

type blockPredictor struct{}

func (blockPredictor) Predict(ctx context.Context, f *mlmodel.Frame) ([]float64, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestLoadFSErrors(t *testing.T) {
	good := testFS(t, "test_sum")
	noFlavor := testFS(t, "test_sum")
	mm, _ := mlmodel.Unmarshal(noFlavor["MLmodel"].Data)
	mm.Flavors = map[string]map[string]any{mlmodel.PyFuncFlavor: {"loader_module": "x"}}
	var buf bytes.Buffer
	mm.Encode(&buf)
	noFlavor["MLmodel"] = &fstest.MapFile{Data: buf.Bytes()}
	noFile := fstest.MapFS{"MLmodel": good["MLmodel"]}
	tests := []struct {
		name  string
		files fs.FS
		is    error
		want  string
	}{
		{"unknown type", testFS(t, "svm"), ErrUnknownModelType, `"svm": known model types are `},
		{"no flavor", noFlavor, ErrNeedsPython, "its flavors are python_function; mlite serves go_mlite"},
		{"no MLmodel", fstest.MapFS{}, ErrNotServable, "MLmodel"},
		{"loader fails", noFile, nil, "model.bin"},
	}
	for _, tt := range tests {
		_, err := LoadFS(tt.files)
		if err == nil || tt.is != nil && !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error wrapping %v containing %q", tt.name, err, tt.is, tt.want)
		}
	}
	if _, err := LoadFS(testFS(t, "svm")); !strings.Contains(err.Error(), "test_sum") {
		t.Errorf("unknown type: got %v, want the known types listed", err)
	}
}
