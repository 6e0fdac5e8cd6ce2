package viewer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/mlite/mlite/registry/mlmodel"
	"github.com/mlite/mlite/run"
)

// tlogWriter sends a logger's lines to t.Log.
type tlogWriter struct{ t testing.TB }

func (w tlogWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func testLogger(t testing.TB) *log.Logger { return log.New(tlogWriter{t}, "", 0) }

func TestNewNil(t *testing.T) {
	if _, err := New(nil, nil); !errors.Is(err, ErrNoDB) {
		t.Fatalf("New(nil): got %v, want ErrNoDB", err)
	}
}

func TestPages(t *testing.T) {
	f := newFixture(t)
	exp := f.exp.ID.String()
	parent, child := f.parent.String(), f.children[0].String()
	tests := []struct {
		url    string
		status int
		want   []string
		not    []string
	}{
		{"/", 200, []string{"Experiments", `href="/experiments/` + exp + `"`, "credit", "/static/app.css?v="}, nil},
		{"/experiments/" + exp, 200, []string{`id="filter"`, `data-experiment="` + exp + `"`, "/static/runs.js?v="}, nil},
		{"/experiments/" + exp + "?filter=" + url.QueryEscape("metrics.auc >"), 200, []string{`id="filter-error"`, "metrics.auc &gt;"}, []string{`id="filter-error" role="alert" hidden`}},
		{"/experiments/" + exp + "?filter=" + url.QueryEscape("metrics.auc > 0.5"), 200, []string{`id="filter-error" role="alert" hidden`}, nil},
		{"/experiments/" + exp + "/charts", 200, []string{`id="runcharts"`, `data-experiment="` + exp + `"`, "/static/runcharts.js?v=", `id="table-tab"`}, nil},
		{"/experiments/" + exp + "/charts?filter=" + url.QueryEscape("metrics.auc >"), 200, []string{"metrics.auc &gt;"}, []string{`id="filter-error" role="alert" hidden`}},
		{"/experiments/999", 404, []string{"404", "not found"}, nil},
		{"/experiments/x", 400, []string{"experiment id"}, nil},
		{"/runs/" + parent, 200, []string{"sweep", "plots/roc.png", "report/metrics.json", "best_auc", "0123456789abcdef0123456789abcdef01234567",
			"diff --git a/x.go", "go.etcd.io/bbolt v1.4.3", "child-0.1", "System tags", "team", "d1g35t", "training"}, nil},
		{"/runs/" + child, 200, []string{"child-0.1", "loss", `href="/runs/` + parent + `"`, "Parent run"}, []string{`id="registered"`}},
		{"/runs/" + f.evil.String(), 200, []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"}, []string{"<script>alert", "<img src=x"}},
		{"/runs/0123456789abcdef0123456789abcdef", 404, []string{"404"}, nil},
		{"/runs/nothex", 400, []string{"run id"}, nil},
		{"/chart?run=" + child + "&key=loss", 200, []string{`data-key="loss"`, "chartpage.js"}, nil},
		{"/chart?run=" + child, 400, []string{"key: missing"}, nil},
		{"/compare?runs=" + child + "," + f.children[1].String(), 200, []string{"compare-params", "differs", "0.01", "pc-canvas"}, nil},
		{"/compare?runs=" + f.evil.String() + "," + child, 200, []string{"&lt;script&gt;"}, []string{"<script>alert", "<img src=x"}},
		{"/compare", 400, []string{"select at least one run"}, nil},
		{"/compare?runs=" + child + ",zz", 400, []string{"run id"}, nil},
		{"/models", 200, []string{"CreditModel", "stage-production", "Production: v1", "@champion"}, nil},
		{"/models/CreditModel", 200, []string{"v1", "stage-production", "@champion", "Audit log", "transition_stage", "set_alias"}, nil},
		{"/models/Nope", 404, []string{"no registered model"}, nil},
		{"/models/CreditModel/versions/1", 200, []string{"Lineage", "child-0.001", "stage-production", "MLmodel", "transition_stage",
			`data-copy="models:/CreditModel/1"`, `data-copy="models:/CreditModel@champion"`}, nil},
		{"/runs/" + f.children[2].String(), 200, []string{`id="registered"`, `href="/models/CreditModel/versions/1">CreditModel v1</a> <span class="badge stage-production">Production</span> <span class="badge alias">@champion</span>`}, nil},
		{"/models/CreditModel/versions/7", 404, []string{"no version 7"}, nil},
		{"/models/CreditModel/versions/x", 400, []string{"version"}, nil},
		{"/no/such/page", 404, []string{"no such page"}, nil},
	}
	for _, tt := range tests {
		rec := f.get(t, tt.url)
		body := rec.Body.String()
		if rec.Code != tt.status {
			t.Errorf("GET %s: got status %d, want %d; body:\n%.400s", tt.url, rec.Code, tt.status, body)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: got Content-Type %q, want text/html", tt.url, ct)
		}
		if !strings.HasSuffix(strings.TrimSpace(body), "</html>") {
			t.Errorf("GET %s: got a page that does not end with </html>", tt.url)
		}
		checkHeaders(t, tt.url, rec)
		if rec.Header().Get("Content-Security-Policy") != pageCSP {
			t.Errorf("GET %s: got CSP %q, want the page CSP", tt.url, rec.Header().Get("Content-Security-Policy"))
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: body lacks %q", tt.url, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, w) {
				t.Errorf("GET %s: body contains %q", tt.url, w)
			}
		}
	}
}

func checkHeaders(t *testing.T, u string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET %s: got X-Content-Type-Options %q, want nosniff", u, got)
	}
}

func TestReadOnly(t *testing.T) {
	f := newFixture(t)
	for _, u := range []string{"/", "/runs/" + f.parent.String(), "/api/mlite/experiments"} {
		req := httptest.NewRequest(http.MethodPost, u, strings.NewReader("x"))
		rec := httptest.NewRecorder()
		f.v.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: got %d, want 405", u, rec.Code)
		}
	}
}

// getJSON fetches u and decodes its JSON body into v, checking the status.
func (f *fixture) getJSON(t *testing.T, u string, status int, v any) {
	t.Helper()
	rec := f.get(t, u)
	if rec.Code != status {
		t.Fatalf("GET %s: got status %d, want %d; body: %s", u, rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("GET %s: got Content-Type %q, want application/json", u, ct)
	}
	checkHeaders(t, u, rec)
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: %v; body %s", u, err, rec.Body)
	}
}

func TestAPIErrors(t *testing.T) {
	f := newFixture(t)
	exp := f.exp.ID.String()
	child := f.children[0].String()
	runs := "/api/mlite/experiments/" + exp + "/runs"
	tests := []struct {
		url    string
		status int
		code   string
		msg    string
	}{
		{runs + "?filter=" + url.QueryEscape("metrics.auc >"), 400, "INVALID_PARAMETER_VALUE", "col"},
		{runs + "?filter=" + url.QueryEscape("params.lr = 'x' and"), 400, "INVALID_PARAMETER_VALUE", ""},
		{runs + "?max_results=100000000", 400, "INVALID_PARAMETER_VALUE", "max_results"},
		{runs + "?max_results=0", 400, "INVALID_PARAMETER_VALUE", "max_results"},
		{runs + "?max_results=abc", 400, "INVALID_PARAMETER_VALUE", "max_results"},
		{runs + "?page_token=bad!token", 400, "INVALID_PARAMETER_VALUE", "page_token"},
		{runs + "?order_by=" + url.QueryEscape("bogus DESC"), 400, "INVALID_PARAMETER_VALUE", "unknown attribute"},
		{runs + "?view=weird", 400, "INVALID_PARAMETER_VALUE", "view"},
		{"/api/mlite/experiments/12345/runs", 404, "RESOURCE_DOES_NOT_EXIST", ""},
		{"/api/mlite/experiments/abc/runs", 400, "INVALID_PARAMETER_VALUE", "experiment id"},
		{"/api/mlite/runs/0123456789abcdef0123456789abcdef", 404, "RESOURCE_DOES_NOT_EXIST", ""},
		{"/api/mlite/runs/xyz", 400, "INVALID_PARAMETER_VALUE", "run id"},
		{"/api/mlite/chart?key=loss&run=" + child + "&width=99999999", 400, "INVALID_PARAMETER_VALUE", "width"},
		{"/api/mlite/chart?key=loss&run=" + child + "&width=1", 400, "INVALID_PARAMETER_VALUE", "width"},
		{"/api/mlite/chart?key=loss&run=" + child + "&from=9&to=3", 400, "INVALID_PARAMETER_VALUE", "after"},
		{"/api/mlite/chart?key=loss", 400, "INVALID_PARAMETER_VALUE", "run: missing"},
		{"/api/mlite/chart?run=" + child, 400, "INVALID_PARAMETER_VALUE", "key: missing"},
		{"/api/mlite/chart?key=loss&run=0123456789abcdef0123456789abcdef", 404, "RESOURCE_DOES_NOT_EXIST", ""},
		{"/api/mlite/chart?key=loss&run=" + strings.Repeat(child+",", 101), 400, "INVALID_PARAMETER_VALUE", "at most"},
		{"/api/mlite/runs/" + child + "/preview", 400, "INVALID_PARAMETER_VALUE", "path"},
		{"/api/mlite/runs/" + child + "/preview?path=nope.txt", 404, "RESOURCE_DOES_NOT_EXIST", "nope.txt"},
		{"/api/mlite/runs/" + child + "/preview?path=../../etc/passwd", 404, "RESOURCE_DOES_NOT_EXIST", ""},
		{"/api/mlite/models/Nope/audit", 404, "RESOURCE_DOES_NOT_EXIST", "Nope"},
		{"/api/mlite/models/CreditModel/versions/9/lineage", 404, "RESOURCE_DOES_NOT_EXIST", ""},
		{"/api/mlite/models/CreditModel/versions/0/lineage", 400, "INVALID_PARAMETER_VALUE", "version"},
		{"/api/mlite/nothing", 404, "ENDPOINT_NOT_FOUND", "No API endpoint /api/mlite/nothing"},
	}
	for _, tt := range tests {
		var e apiError
		f.getJSON(t, tt.url, tt.status, &e)
		if e.ErrorCode != tt.code || !strings.Contains(e.Message, tt.msg) {
			t.Errorf("GET %s: got %q %q, want %q containing %q", tt.url, e.ErrorCode, e.Message, tt.code, tt.msg)
		}
	}
}

func TestAPIExperiments(t *testing.T) {
	f := newFixture(t)
	var got struct{ Experiments []experimentRow }
	f.getJSON(t, "/api/mlite/experiments", 200, &got)
	var found bool
	for _, x := range got.Experiments {
		if x.Name == "credit" {
			found = true
			if x.Runs != 5 || x.LastActivity == 0 {
				t.Errorf("experiment credit: got %d runs, last activity %d; want 5 runs and a time", x.Runs, x.LastActivity)
			}
		}
	}
	if !found {
		t.Fatalf("got %+v, want the experiment credit", got)
	}
}

func TestAPIRuns(t *testing.T) {
	f := newFixture(t)
	base := "/api/mlite/experiments/" + f.exp.ID.String() + "/runs"
	t.Run("grouped", func(t *testing.T) {
		var p runsPage
		f.getJSON(t, base, 200, &p)
		if p.Total != 5 || p.Roots != 2 || len(p.Rows) != 5 {
			t.Fatalf("got total %d roots %d rows %d, want 5, 2, 5", p.Total, p.Roots, len(p.Rows))
		}
		// newest first: the evil run, then the sweep with its children
		if p.Rows[0].ID != f.evil.String() || p.Rows[1].ID != f.parent.String() || p.Rows[1].Children != 3 {
			t.Fatalf("got rows %v, want evil, then sweep with 3 children", names(p.Rows))
		}
		for _, r := range p.Rows[2:] {
			if r.Depth != 1 || r.Parent != f.parent.String() {
				t.Errorf("row %s: got depth %d parent %s, want 1 under the sweep", r.Name, r.Depth, r.Parent)
			}
		}
		if !slicesContain(p.Params, "lr") || !slicesContain(p.Metrics, "loss") || slicesContain(p.Params, "model") && false {
			t.Errorf("got columns %v %v, want lr and loss among them", p.Params, p.Metrics)
		}
	})
	t.Run("filter and sort", func(t *testing.T) {
		var p runsPage
		f.getJSON(t, base+"?filter="+url.QueryEscape("params.model = 'logreg'")+"&order_by="+url.QueryEscape("metrics.auc DESC"), 200, &p)
		if p.Total != 3 || len(p.Rows) != 3 {
			t.Fatalf("got %d rows, want 3 children", len(p.Rows))
		}
		if got := names(p.Rows); got != "child-0.001,child-0.01,child-0.1" {
			t.Errorf("order by auc desc: got %s", got)
		}
		// the parent does not match: its children are top-level rows
		if p.Rows[0].Depth != 0 {
			t.Errorf("got depth %d, want 0 when the parent does not match", p.Rows[0].Depth)
		}
	})
	t.Run("numeric param sort", func(t *testing.T) {
		var p runsPage
		f.getJSON(t, base+"?filter="+url.QueryEscape("params.model = 'logreg'")+"&order_by="+url.QueryEscape("params.lr ASC"), 200, &p)
		if got := names(p.Rows); got != "child-0.001,child-0.01,child-0.1" {
			t.Errorf("order by lr asc: got %s", got)
		}
	})
	t.Run("duration", func(t *testing.T) {
		var p runsPage
		f.getJSON(t, base+"?order_by=duration+DESC", 200, &p)
		if len(p.Rows) != 5 || p.OrderBy != "duration DESC" {
			t.Errorf("got %d rows ordered %q", len(p.Rows), p.OrderBy)
		}
	})
	t.Run("paging", func(t *testing.T) {
		var p1, p2 runsPage
		f.getJSON(t, base+"?max_results=1", 200, &p1)
		if p1.NextPageToken == "" || len(p1.Rows) != 1 {
			t.Fatalf("page 1: got %d rows, token %q", len(p1.Rows), p1.NextPageToken)
		}
		f.getJSON(t, base+"?max_results=1&page_token="+url.QueryEscape(p1.NextPageToken), 200, &p2)
		if p2.NextPageToken != "" || len(p2.Rows) != 4 || p2.Rows[0].ID != f.parent.String() {
			t.Fatalf("page 2: got rows %s token %q, want the sweep and its children, last page", names(p2.Rows), p2.NextPageToken)
		}
		var p3 runsPage
		f.getJSON(t, base+"?page_token="+url.QueryEscape(run.PageToken(1000)), 200, &p3)
		if len(p3.Rows) != 0 {
			t.Errorf("past the end: got %d rows, want 0", len(p3.Rows))
		}
	})
	t.Run("columns", func(t *testing.T) {
		var p runsPage
		f.getJSON(t, base+"?params=model&metrics=auc,nope", 200, &p)
		if fmt.Sprint(p.Params, p.Metrics) != "[model] [auc nope]" {
			t.Errorf("got columns %v %v", p.Params, p.Metrics)
		}
		for _, r := range p.Rows {
			if r.Depth == 1 && (r.Params["model"] != "logreg" || len(r.Params) != 1) {
				t.Errorf("row %s: got params %v", r.Name, r.Params)
			}
		}
	})
}

func names(rows []runRow) string {
	var s []string
	for _, r := range rows {
		s = append(s, r.Name)
	}
	return strings.Join(s, ",")
}

func slicesContain(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// fixtureFiles are the fixture's parent run's files: the kind of preview
// each gets and a piece of its text, and the content type and disposition
// the raw endpoint serves it with.
var fixtureFiles = []struct {
	path, kind, text, ctype, disp string
}{
	{path: "plots/roc.png", kind: "image", ctype: "image/png", disp: "inline"},
	{path: "report/metrics.json", kind: "text", text: "\"a\": 1", ctype: "text/plain; charset=utf-8", disp: "inline"},
	{path: "data/sample.csv", kind: "text", text: "x,y", ctype: "text/plain; charset=utf-8", disp: "inline"},
	{path: "page.html", kind: "text", text: "<script>", ctype: "text/plain; charset=utf-8", disp: "inline"},
	{path: "blob.bin", kind: "binary", ctype: "application/octet-stream", disp: "attachment"},
	{path: "mlite/git.diff", kind: "text", text: "diff --git", ctype: "text/plain; charset=utf-8", disp: "inline"},
}

func TestAPIRunAndArtifacts(t *testing.T) {
	f := newFixture(t)
	var s runSummary
	f.getJSON(t, "/api/mlite/runs/"+f.children[0].String(), 200, &s)
	if s.Status != "FINISHED" || s.Metrics["loss"].Count != 200 || s.Params["lr"] != "0.1" {
		t.Errorf("got %+v", s)
	}
	var files struct{ Files []fileRow }
	f.getJSON(t, "/api/mlite/runs/"+f.parent.String()+"/artifacts?recursive=true", 200, &files)
	if len(files.Files) != 6 {
		t.Errorf("got %d files, want 6: %v", len(files.Files), files.Files)
	}
	for _, tt := range fixtureFiles {
		var p preview
		f.getJSON(t, "/api/mlite/runs/"+f.parent.String()+"/preview?path="+url.QueryEscape(tt.path), 200, &p)
		if p.Kind != tt.kind || !strings.Contains(p.Text, tt.text) || !strings.HasPrefix(p.URL, "/artifacts/") {
			t.Errorf("preview %s: got kind %q text %.40q url %q, want %q with %q", tt.path, p.Kind, p.Text, p.URL, tt.kind, tt.text)
		}
	}
}

func TestArtifactsRaw(t *testing.T) {
	f := newFixture(t)
	base := "/artifacts/" + f.parent.String() + "/raw?path="
	for _, tt := range fixtureFiles {
		rec := f.get(t, base+url.QueryEscape(tt.path))
		if rec.Code != 200 {
			t.Errorf("GET %s: got %d", tt.path, rec.Code)
			continue
		}
		h := rec.Header()
		if h.Get("Content-Type") != tt.ctype || !strings.HasPrefix(h.Get("Content-Disposition"), tt.disp) ||
			!strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: got headers %v, want %s %s, sandbox, nosniff", tt.path, h, tt.ctype, tt.disp)
		}
	}
	rec := f.get(t, base+"plots/roc.png")
	if !strings.HasPrefix(rec.Body.String(), "\x89PNG") {
		t.Errorf("got a body that is not the PNG")
	}
	rec = f.get(t, base+"report/metrics.json&download=1")
	if !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Errorf("download=1: got %q, want an attachment", rec.Header().Get("Content-Disposition"))
	}
	for _, bad := range []string{base + "nope", base, "/artifacts/zz/raw?path=x"} {
		rec := f.get(t, bad)
		if rec.Code != 404 && rec.Code != 400 {
			t.Errorf("GET %s: got %d, want 404 or 400", bad, rec.Code)
		}
	}
	// model version files
	var lin lineageJSON
	f.getJSON(t, "/api/mlite/models/CreditModel/versions/1/lineage", 200, &lin)
	if lin.Stage != "Production" || lin.Run == nil || lin.Run.ID != f.children[2].String() || lin.Experiment == nil || lin.Parent == nil || len(lin.Files) == 0 || len(lin.Events) == 0 {
		t.Fatalf("lineage: got %+v", lin)
	}
	rec = f.get(t, "/models/CreditModel/versions/1/raw?path=MLmodel")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" || !strings.Contains(rec.Body.String(), "flavors") {
		t.Errorf("model file MLmodel: got %d %q %.100q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	if rec := f.get(t, "/models/CreditModel/versions/1/raw?path=nope"); rec.Code != 404 {
		t.Errorf("missing model file: got %d, want 404", rec.Code)
	}
	var audit struct{ Events []eventRow }
	f.getJSON(t, "/api/mlite/models/CreditModel/audit", 200, &audit)
	if len(audit.Events) < 3 || audit.Events[0].Action != "set_alias" {
		t.Errorf("audit: got %+v, want newest first, set_alias first", audit.Events)
	}
}

func TestAssets(t *testing.T) {
	f := newFixture(t)
	rec := f.get(t, "/")
	re := regexp.MustCompile(`/static/([A-Za-z.]+)\?v=([0-9a-f]{16})`)
	ms := re.FindAllStringSubmatch(rec.Body.String(), -1)
	if len(ms) < 3 {
		t.Fatalf("got %d hashed asset links, want at least 3", len(ms))
	}
	for _, m := range ms {
		rec := f.get(t, m[0])
		if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("GET %s: got %d %q, want 200 immutable", m[0], rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	// JS imports carry their hash too.
	rec = f.get(t, f.v.assets.url("run.js"))
	if !regexp.MustCompile(`from "\./common\.js\?v=[0-9a-f]{16}"`).MatchString(rec.Body.String()) {
		t.Errorf("run.js: imports are not hashed: %.300s", rec.Body.String())
	}
	if rec := f.get(t, "/static/app.css"); strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("an unhashed asset URL must not be immutable")
	}
	if rec := f.get(t, "/static/nope.js"); rec.Code != 404 {
		t.Errorf("missing asset: got %d", rec.Code)
	}
	for _, u := range []string{"/favicon.ico", f.v.assets.url("favicon.svg")} {
		if rec := f.get(t, u); rec.Code != 200 || rec.Header().Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(rec.Body.String(), "<svg ") {
			t.Errorf("GET %s: got %d %q %.40q, want 200 image/svg+xml <svg ...", u, rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		}
	}
	req := httptest.NewRequest("GET", f.v.assets.url("app.css"), nil)
	req.Header.Set("If-None-Match", `"`+f.v.assets.files["app.css"].hash+`"`)
	w := httptest.NewRecorder()
	f.v.ServeHTTP(w, req)
	if w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: got %d, want 304", w.Code)
	}
}

func TestMLflowAPIMounted(t *testing.T) {
	f := newFixture(t)
	rec := f.get(t, "/api/2.0/mlflow/experiments/get-by-name?experiment_name=credit")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"credit"`) {
		t.Errorf("mlflow api: got %d %s", rec.Code, rec.Body)
	}
	v, err := New(f.db, &Options{NoMLflowAPI: true})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	v.ServeHTTP(w, httptest.NewRequest("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=credit", nil))
	if w.Code != 404 {
		t.Errorf("NoMLflowAPI: got %d, want 404", w.Code)
	}
}

// chartResp is the chart API's JSON.
type chartResp struct {
	Key    string
	Width  int
	Series []struct {
		RunID     string `json:"run_id"`
		RunName   string `json:"run_name"`
		StartTime int64  `json:"start_time"`
		Count     int
		Steps     []int64
		Times     []int64
		Values    []any
	}
}

func TestAPIChart(t *testing.T) {
	f := newFixture(t)
	c0, c1 := f.children[0].String(), f.children[1].String()
	var all chartResp
	f.getJSON(t, "/api/mlite/chart?key=loss&run="+c0+"&run="+c1+"&run="+f.parent.String(), 200, &all)
	if len(all.Series) != 2 || all.Series[0].RunID != c0 || all.Series[0].Count != 200 || len(all.Series[0].Steps) != 200 {
		t.Fatalf("two runs with loss, wide chart: got %d series (%+v), want 2 with all 200 points", len(all.Series), all.Series)
	}
	var narrow chartResp
	f.getJSON(t, "/api/mlite/chart?key=loss&width=10&run="+c0, 200, &narrow)
	if n := len(narrow.Series[0].Steps); n > 20 || n < 5 {
		t.Errorf("width 10: got %d points, want at most 20", n)
	}
	if v := narrow.Series[0].Values[0]; v != 1.0 {
		t.Errorf("width 10: got first value %v, want the maximum 1 kept", v)
	}
	var zoom chartResp
	f.getJSON(t, "/api/mlite/chart?key=loss&width=10&from=50&to=60&run="+c0, 200, &zoom)
	if s := zoom.Series[0].Steps; len(s) != 11 || s[0] != 50 || s[10] != 60 {
		t.Errorf("zoomed on steps 50-60: got steps %v, want all 11", s)
	}
	var none chartResp
	f.getJSON(t, "/api/mlite/chart?key=nope&run="+c0, 200, &none)
	if len(none.Series) != 0 {
		t.Errorf("unknown metric: got %d series, want none", len(none.Series))
	}
	// NaN and infinities are strings, never invalid JSON; so is a name
	// with control characters and quotes.
	ctx := t.Context()
	const oddName = "tab\there \x01 \"quoted\" \\ é"
	r, err := f.db.StartRun(ctx, f.exp.ID, run.Name(oddName))
	must(t, err)
	must(t, r.LogMetric("odd", math.NaN(), run.Step(0)))
	must(t, r.LogMetric("odd", math.Inf(1), run.Step(1)))
	must(t, r.LogMetric("odd", math.Inf(-1), run.Step(2)))
	must(t, r.End(ctx))
	var odd chartResp
	f.getJSON(t, "/api/mlite/chart?key=odd&run="+r.ID().String(), 200, &odd)
	if got := fmt.Sprint(odd.Series[0].Values); got != "[NaN Infinity -Infinity]" {
		t.Errorf("got values %s, want [NaN Infinity -Infinity]", got)
	}
	if got := odd.Series[0].RunName; got != oddName {
		t.Errorf("got run name %q, want %q", got, oddName)
	}
	var s runSummary
	f.getJSON(t, "/api/mlite/runs/"+r.ID().String(), 200, &s)
	var p runsPage
	f.getJSON(t, "/api/mlite/experiments/"+f.exp.ID.String()+"/runs?metrics=odd", 200, &p)
}

// TestModelNameEscaping: a model name with a space, a slash and markup
// reaches its pages through escaped links.
func TestModelNameEscaping(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	name := `risk score/v2 <b>`
	if _, err := f.db.Registry().CreateModel(ctx, name, nil, ""); err != nil {
		t.Skipf("the registry refuses the name %q: %v", name, err)
	}
	_, err := f.db.Registry().CreateVersion(ctx, name, "runs:/"+f.children[2].String()+"/model", f.children[2].String())
	must(t, err)
	rec := f.get(t, "/models")
	m := regexp.MustCompile(`href="(/models/[^"]*)">risk score/v2 &lt;b&gt;</a>`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no escaped link to the model in /models:\n%s", rec.Body)
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	for _, u := range []string{link, link + "/versions/1"} {
		rec := f.get(t, u)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "risk score/v2 &lt;b&gt;") {
			t.Errorf("GET %s: got %d, want the model's page", u, rec.Code)
		}
	}
}

// TestMountedMLflowAPIIsReadOnly: MLflow's API beside the viewer reads the
// store and refuses writes.
func TestMountedMLflowAPIIsReadOnly(t *testing.T) {
	v := newFixture(t).v
	req := httptest.NewRequest(http.MethodPost, "/api/2.0/mlflow/experiments/create", strings.NewReader(`{"name": "x"}`))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	v.ServeHTTP(w, req)
	if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "PERMISSION_DENIED") {
		t.Fatalf("POST experiments/create: %d %s, want 403 PERMISSION_DENIED", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	v.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/api/2.0/mlflow/experiments/search?max_results=5", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET experiments/search: %d %s", w.Code, w.Body)
	}
}

// TestMLflowWrites: a tracking server's viewer takes MLflow clients' writes.
func TestMLflowWrites(t *testing.T) {
	f := newFixture(t)
	v, err := New(f.db, &Options{MLflowWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/2.0/mlflow/experiments/create", strings.NewReader(`{"name": "from-client"}`))
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	v.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("POST experiments/create: %d %s", w.Code, w.Body)
	}
	if _, err := f.db.GetExperimentByName(context.Background(), "from-client"); err != nil {
		t.Fatal(err)
	}
}

func TestSigTables(t *testing.T) {
	str, dbl := mlmodel.Type{Kind: mlmodel.String}, mlmodel.Type{Kind: mlmodel.Double}
	sig := &mlmodel.Signature{
		Inputs: &mlmodel.Schema{Cols: []mlmodel.ColSpec{
			mlmodel.Col("income", mlmodel.Double),
			{Name: "region", Type: str},
			{Type: mlmodel.Type{Kind: mlmodel.Array, Items: &dbl}, Required: true},
		}},
		Outputs: &mlmodel.Schema{Tensors: []mlmodel.TensorSpec{{Name: "p", DType: "float64", Shape: []int{-1}}, {DType: "int32", Shape: []int{-1, 8}}}},
		Params:  &mlmodel.ParamSchema{Params: []mlmodel.ParamSpec{{Name: "threshold", Type: dbl, Default: 0.5}, {Name: "ids", Type: str, Default: []any{"a"}, Shape: []int{-1}}}},
	}
	got := sigTables(sig)
	want := []sigTable{
		{"Inputs", []string{"Name", "Type", "Required"}, [][]string{{"income", "double", "yes"}, {"region", "string", "no"}, {"—", "array<double>", "yes"}}},
		{"Outputs (tensors)", []string{"Name", "DType", "Shape"}, [][]string{{"p", "float64", "(-1,)"}, {"—", "int32", "(-1, 8)"}}},
		{"Params", []string{"Name", "Type", "Default", "Shape"}, [][]string{{"threshold", "double", "0.5", "scalar"}, {"ids", "string", `["a"]`, "(-1,)"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sigTables:\ngot  %q\nwant %q", got, want)
	}
	if got := sigTables(&mlmodel.Signature{}); len(got) != 0 {
		t.Errorf("sigTables of an empty signature: got %q, want none", got)
	}
}

// TestAPIRunsHint checks that a filter matching nothing says which of its
// keys no run has, and only then.
func TestAPIRunsHint(t *testing.T) {
	f := newFixture(t)
	runs := "/api/mlite/experiments/" + f.exp.ID.String() + "/runs?filter="
	for _, c := range []struct{ filter, hint string }{
		{"metrics.los < 1", "no run has metric `los`; did you mean `loss`?"},
		{"params.lr = 'nope'", ""},
		{"metrics.loss > 0", ""},
	} {
		var page runsPage
		f.getJSON(t, runs+url.QueryEscape(c.filter), 200, &page)
		if page.Hint != c.hint {
			t.Errorf("filter %s: got hint %q, want %q", c.filter, page.Hint, c.hint)
		}
	}
}

// TestArtifactsOutsideTheStore: a run of an experiment with a local
// artifact location shows and serves the files of its folder (without an
// ETag); one with a remote location names it on its page and answers 400
// for its files.
func TestArtifactsOutsideTheStore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ids := map[string]run.ID{}
	for name, loc := range map[string]string{"local": t.TempDir(), "remote": "s3://bucket/p"} {
		x, err := f.db.CreateExperimentAt(ctx, name, loc, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.db.StartRun(ctx, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if name == "local" {
			if err := r.LogText(ctx, "hello", "notes/a.txt"); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.End(ctx); err != nil {
			t.Fatal(err)
		}
		ids[name] = r.ID()
	}
	if rec := f.get(t, "/runs/"+ids["local"].String()); rec.Code != 200 || !strings.Contains(rec.Body.String(), "a.txt") {
		t.Errorf("local run's page: got %d, want 200 listing a.txt", rec.Code)
	}
	rec := f.get(t, "/artifacts/"+ids["local"].String()+"/raw?path=notes/a.txt")
	if rec.Code != 200 || rec.Body.String() != "hello" || rec.Header().Get("ETag") != "" {
		t.Errorf("local run's file: got %d %q ETag %q, want 200 hello and no ETag", rec.Code, rec.Body.String(), rec.Header().Get("ETag"))
	}
	remote := "s3://bucket/p/" + ids["remote"].String() + "/artifacts"
	if rec := f.get(t, "/runs/"+ids["remote"].String()); rec.Code != 200 || !strings.Contains(rec.Body.String(), remote) {
		t.Errorf("remote run's page: got %d, want 200 naming %s", rec.Code, remote)
	}
	if rec := f.get(t, "/artifacts/"+ids["remote"].String()+"/raw?path=a.txt"); rec.Code != 400 || !strings.Contains(rec.Body.String(), remote) {
		t.Errorf("remote run's file: got %d %.200q, want 400 naming %s", rec.Code, rec.Body.String(), remote)
	}
	rr, err := f.db.GetRun(ctx, ids["remote"])
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.db.CreateLoggedModel(ctx, rr.ExperimentID, run.LoggedModelOptions{Name: "m", SourceRunID: rr.ID.String()})
	if err != nil {
		t.Fatal(err)
	}
	if rec := f.get(t, "/runs/"+rr.ID.String()+"/models"); rec.Code != 200 || !strings.Contains(rec.Body.String(), m.ArtifactLocation) {
		t.Errorf("remote run's logged models: got %d, want 200 naming %s", rec.Code, m.ArtifactLocation)
	}
}
