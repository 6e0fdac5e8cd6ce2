package mlflowapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// fuzzNames are the parameter names the accessors are tried with.
var fuzzNames = []string{"run_id", "run_uuid", "experiment_id", "experiment_ids", "max_results", "filter",
	"order_by", "page_token", "view_type", "stages", "version", "x", ""}

// FuzzDecodeRequest feeds decodeRequest arbitrary methods, content types,
// query strings and bodies, then reads every kind of parameter from the
// result: nothing may panic, every error must be an INVALID_PARAMETER_VALUE
// whose error body is valid JSON, and values read from a query string must
// be the query's.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []struct{ method, ct, query, body string }{
		{"GET", "", "run_id=abc&max_results=10", ""},
		{"GET", "", "experiment_ids=1&experiment_ids=2&order_by=metrics.auc+DESC", ""},
		{"GET", "", "view_type=ALL&max_results=-3&x=%zz", ""},
		{"GET", "application/json", "", `{"experiment_id": 1}`},
		{"POST", "application/json", "", `{"experiment_ids": ["1", 2], "max_results": 50001, "filter": "metrics.a > 1"}`},
		{"POST", "application/json; charset=utf-8", "", `"{\"run_id\": \"x\", \"stages\": [\"None\"]}"`},
		{"POST", "application/json", "", `{"max_results": 1e3, "view_type": 3, "version": 2}`},
		{"POST", "application/json", "", `{"max_results": 1.5, "x": true, "order_by": "a"}`},
		{"POST", "text/plain", "", `{}`},
		{"POST", "", "", `{}`},
		{"POST", "application/json", "", `[1,2]`},
		{"POST", "application/json", "", `{"a": [`},
		{"PATCH", "", "", `{"version": "9223372036854775808"}`},
		{"DELETE", "", "q=1", `null`},
		{"POST", "application/json", "", `"\"\""`},
		{"POST", "application/json", "", `{"filter": "\ud800", "run_id": null}`},
		{"POST", "application/json", "", `{"x": [{"key": "k", "value": "NaN", "timestamp": "12", "step": 1e2}], "stages": [{"value": 1}]}`},
		{"POST", "application/json", "", `{"x": {"name": "d"}, "filter": "-Infinity", "version": [{}]}`},
	} {
		f.Add(s.method, s.ct, s.query, []byte(s.body))
	}
	h := &Handler{log: discardLogger()}
	f.Fuzz(func(t *testing.T, method, ct, rawQuery string, body []byte) {
		p, err := decodeRequest(method, ct, rawQuery, body)
		check := func(what string, err error) {
			t.Helper()
			if err == nil {
				return
			}
			var ae *apiError
			if !errors.As(err, &ae) || ae.code != codeInvalidParameter {
				t.Fatalf("%s: got error %v, want an %s *apiError", what, err, codeInvalidParameter)
			}
			rec := httptest.NewRecorder()
			h.writeError(rec, httptest.NewRequest("GET", "/", nil), err)
			var resp struct{ ErrorCode, Message string }
			if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || rec.Code != 400 {
				t.Fatalf("%s: error body %q (status %d) is not MLflow's JSON error: %v", what, rec.Body, rec.Code, err)
			}
		}
		check("decode", err)
		if err != nil {
			return
		}
		var q url.Values
		if method == "GET" && rawQuery != "" {
			q, _ = url.ParseQuery(rawQuery)
			if len(q) == 0 {
				q = nil
			}
		}
		if (p.query != nil) != (q != nil) {
			t.Fatalf("query %q: read from the query string: %v, want %v", rawQuery, p.query != nil, q != nil)
		}
		for _, name := range fuzzNames {
			s, err := p.str(name)
			check("str "+name, err)
			if q != nil && err == nil && s != q.Get(name) {
				t.Fatalf("str %q: got %q, want the query's %q", name, s, q.Get(name))
			}
			_, err = p.required(name)
			check("required "+name, err)
			ss, err := p.strs(name)
			check("strs "+name, err)
			if len(ss) > maxListLen {
				t.Fatalf("strs %q: %d values, over the cap %d", name, len(ss), maxListLen)
			}
			_, _, err = p.int(name)
			check("int "+name, err)
			_, _, err = p.bool(name)
			check("bool "+name, err)
			v, ok, err := p.enum(name, viewTypes)
			check("enum "+name, err)
			if ok && (v < 1 || v > 3) {
				t.Fatalf("enum %q: got %d, not a view type", name, v)
			}
			_, _, err = p.float(name)
			check("float "+name, err)
			objs, err := p.objects(name)
			check("objects "+name, err)
			if len(objs) > maxListLen {
				t.Fatalf("objects %q: %d values, over the cap %d", name, len(objs), maxListLen)
			}
			for _, o := range objs {
				a := &args{p: o}
				a.metric(name + ".")
				check("metric in "+name, a.err)
			}
			_, err = p.object(name)
			check("object "+name, err)
			_, err = p.keyValues(name)
			check("keyValues "+name, err)
			a := &args{p: p}
			a.maxResults(100, 1000, len(name)%2 == 0)
			check("max_results", a.err)
			p.has(name)
		}
		_, err = p.runID()
		check("runID", err)
		a := &args{p: p}
		a.version()
		check("version", a.err)
		_ = p.String()
		if strings.Contains(p.String(), "\x00") && p.query == nil {
			t.Fatal("String leaked raw bytes")
		}
	})
}

// FuzzServe sends arbitrary requests to every route over the fixture: no
// panic, no server-side error (5xx), and every JSON answer is valid JSON
// with MLflow's error shape when it is not a 200.
func FuzzServe(f *testing.F) {
	fx := newFixture(f)
	var paths []string
	for _, p := range apiRoutes.paths() {
		paths = append(paths, api+p)
	}
	for _, p := range ajaxRoutes.paths() {
		paths = append(paths, ajax+p)
	}
	paths = append(paths, rootRoutes.paths()...)
	for i, p := range paths {
		p = strings.ReplaceAll(p, "{model_id}", "m-0123456789abcdef0123456789abcdef")
		paths[i] = strings.ReplaceAll(p, "{tag_key}", "team")
	}
	slices.Sort(paths)
	rf := fx.runs["rf"].String()
	for i := range paths {
		f.Add(uint8(i), false, "run_id="+rf+"&metric_key=auc&path=model&name=CreditModel&version=1&experiment_id=1", []byte(nil))
		f.Add(uint8(i), true, "", []byte(`{"experiment_ids": ["1"], "filter": "metrics.auc > 0", "name": "CreditModel", "run_ids": ["`+rf+`"]}`))
	}
	f.Add(uint8(0), false, "run_ids="+rf+"&metric_key=auc&start_step=-5&end_step=9223372036854775807&max_results=3", []byte(nil))
	f.Fuzz(func(t *testing.T, route uint8, post bool, rawQuery string, body []byte) {
		target := paths[int(route)%len(paths)]
		if rawQuery != "" {
			target += "?" + rawQuery
		}
		method := "GET"
		if post {
			method = "POST"
		}
		serveChecked(t, fx.h, method, target, body)
	})
}

// FuzzServeWrites sends arbitrary write requests (every method, the
// artifact proxy included) over the fixture: no panic, no server-side
// error (5xx), and every JSON answer is valid, MLflow's error shape when
// it is not a 200.
func FuzzServeWrites(f *testing.F) {
	fx := newFixture(f)
	var paths []string
	for _, e := range apiEndpoints {
		if e.writes {
			paths = append(paths, api+e.path)
		}
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	rf := fx.runs["rf"].String()
	paths = append(paths, proxy+"/1/"+rf+"/artifacts/", proxy)
	methods := []string{"POST", "PATCH", "DELETE", "PUT", "GET"}
	for i := range paths {
		f.Add(uint8(i), uint8(i), "", []byte(`{"experiment_id": "1", "run_id": "`+rf+`", "name": "CreditModel", "version": "1", "key": "k", "value": "v", "alias": "a", "source": "runs:/`+rf+`/model", "stage": "Staging"}`))
	}
	f.Add(uint8(len(paths)-2), uint8(3), "", []byte("file bytes"))
	f.Add(uint8(len(paths)-1), uint8(4), "path=1/"+rf+"/artifacts/model", []byte(nil))
	f.Add(uint8(0), uint8(0), "", []byte(`{"run_id": "`+rf+`", "metrics": [{"key": "m", "value": "NaN", "timestamp": 1, "step": -1}], "params": [{"key": "p", "value": ""}], "tags": [{"key": "t", "value": "x"}]}`))
	f.Fuzz(func(t *testing.T, route, method uint8, rawQuery string, body []byte) {
		target := paths[int(route)%len(paths)]
		m := methods[int(method)%len(methods)]
		if strings.HasPrefix(target, proxy) && len(body) > 0 && body[0] != '{' {
			target += string(body[:min(len(body), 16)])
		}
		if rawQuery != "" {
			target += "?" + rawQuery
		}
		serveChecked(t, fx.h, m, target, body)
	})
}

// serveChecked sends a request with a JSON content type and fails on a
// server-side error (5xx), a JSON answer that is not valid or an error
// answer that is not MLflow's.
func serveChecked(t *testing.T, h http.Handler, method, target string, body []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://x"+target, bytes.NewReader(body))
	if err != nil {
		return
	}
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s %q: got %d %s", method, target, body, rec.Code, rec.Body)
	}
	if rec.Header().Get("Content-Type") != "application/json" || rec.Code == 200 && rec.Body.Len() == 0 {
		return // a download, or an upload's empty answer
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s %s %q: answer is not JSON: %s", method, target, body, rec.Body)
	}
	if rec.Code != 200 {
		var e struct {
			ErrorCode string `json:"error_code"`
			Message   string `json:"message"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.ErrorCode == "" || e.Message == "" {
			t.Fatalf("%s %s %q: error answer %s is not MLflow's", method, target, body, rec.Body)
		}
	}
}
