package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mlite/mlite/serving/servingtest"
	"github.com/mlite/mlite/shadow"
)

// TestServeShadow serves lgb version 1 with version 2 as its shadow under
// 4 concurrent clients, stops, and reads the shadow report: its counts
// match the requests sent, and the primary answered every one.
func TestServeShadow(t *testing.T) {
	ctx := context.Background()
	path, _, _, _ := lightgbmStore(t, "binary", "rf")
	s := startServer(t, "serve", execute, []string{"serve", "--db", path, "models:/lgb/1", "--shadow", "models:/lgb/2", "--port", "0"}, `at (http://\S+) `, 30*time.Second)
	if !strings.Contains(s.stdout.String(), "shadowing with models:/lgb/2") {
		t.Errorf("serve did not say it shadows: %q", s.stdout.String())
	}
	body := `{"dataframe_split": {"columns": ["income", "debt_ratio", "age", "utilisation"], "data": [[41000, 0.4, 33, 0.7], [90000, 0.1, 51, null], [20000, 0.9, 22, 1.1]]}}`
	const clients, each = 4, 30
	servingtest.Concurrently(clients, each, func() {
		resp, err := http.Post(s.url+"/invocations", "application/json", strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		var got struct{ Predictions []float64 }
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(got.Predictions) != 3 {
			t.Errorf("POST /invocations: %s %v", resp.Status, got.Predictions)
		}
	})
	if err := s.stop(); err != nil {
		t.Fatalf("serve stopped with %v", err)
	}
	var out, errb bytes.Buffer
	if err := execute(ctx, []string{"models", "shadow-report", "lgb", "--db", path, "--json"}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var st shadow.Stats
	if err := json.Unmarshal(out.Bytes(), &st); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if st.Requests != clients*each || st.Rows != 3*clients*each || st.Dropped != "0" || st.ShadowErrors != 0 ||
		st.Primary != "models:/lgb/1" || st.Shadow != "models:/lgb/2" {
		t.Errorf("report: got %+v; want %d requests, %d rows, none dropped", st, clients*each, 3*clients*each)
	}
	// A random forest answers other probabilities than the boosted trees.
	if st.Disagreement < 0 || st.Disagreement > 1 || st.MeanAbsDiff <= 0 || st.PrimaryLatency[0] <= 0 || st.ShadowLatency[0] <= 0 {
		t.Errorf("report: got %+v; want agreement, a drift and latencies", st)
	}
	out.Reset()
	if err := execute(ctx, []string{"models", "shadow-report", "lgb", "--db", path}, &out, &errb); err != nil || !strings.Contains(out.String(), "Agreement") {
		t.Errorf("shadow-report: %v\n%s", err, out.String())
	}

	// Gates: version 2 was shadowed 120 times, version 1 never.
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"models", "gate", "lgb", "Production", "--check", "shadow:100:1"}, exitOK},
		{[]string{"models", "gate", "lgb", "Staging", "--check", "shadow:1000:0.5"}, exitOK},
		{[]string{"models", "transition", "lgb", "2", "Staging"}, exitGate},
		{[]string{"models", "transition", "lgb", "1", "Production"}, exitGate},
		{[]string{"models", "transition", "lgb", "2", "Production"}, exitOK},
	} {
		out.Reset()
		errb.Reset()
		err := execute(ctx, append(tt.args, "--db", path), &out, &errb)
		if exitCode(err) != tt.code {
			t.Errorf("%v: got exit %d (%v), want %d", tt.args, exitCode(err), err, tt.code)
		}
		if tt.code == exitGate && !strings.Contains(err.Error(), "shadow") {
			t.Errorf("%v: got %v, want the shadow check named", tt.args, err)
		}
	}
}
