package serving_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/mlite/mlite/internal/pyclient"
	"github.com/mlite/mlite/serving"
)

// benchModel is a LightGBM Booster of 100 trees (31 leaves each, binary)
// saved by mlflow.lightgbm.save_model.
const benchModel = "testdata/bench-lightgbm-100"

// benchBody is a dataframe_split request of rows random loans.
func benchBody(rows int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 15))
	data := make([][]any, rows)
	for i := range data {
		data[i] = []any{50000 + 15000*r.NormFloat64(), r.Float64(), 18 + r.IntN(62), 1.2 * r.Float64()}
	}
	b, _ := json.Marshal(map[string]any{"dataframe_split": map[string]any{
		"columns": []string{"income", "debt_ratio", "age", "utilisation"}, "data": data}})
	return b
}

// measureServer sends single-row requests one after another, then
// 1,000-row requests, to url's /invocations and reports the single-row
// p50 and p99 latency, single-row requests per second and rows per second
// in 1,000-row requests.
func measureServer(b *testing.B, url string, singles, batches int) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	post := func(body []byte) {
		resp, err := client.Post(url+"/invocations", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("POST /invocations: %s", resp.Status)
		}
	}
	bodies := make([][]byte, 64)
	for i := range bodies {
		bodies[i] = benchBody(1, uint64(i))
	}
	for i := range 20 { // warm up
		post(bodies[i%len(bodies)])
	}
	lat := make([]time.Duration, singles)
	start := time.Now()
	for i := range singles {
		t0 := time.Now()
		post(bodies[i%len(bodies)])
		lat[i] = time.Since(t0)
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	big := benchBody(1000, 99)
	post(big)
	bstart := time.Now()
	for range batches {
		post(big)
	}
	belapsed := time.Since(bstart)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(singles)/elapsed.Seconds(), "single-rows/s")
	b.ReportMetric(float64(batches*1000)/belapsed.Seconds(), "batch-rows/s")
}

// BenchmarkServeLightGBM100 measures mlite's scoring server (the handler
// mlite serve runs) on a 100-tree LightGBM model over loopback HTTP. Run
// with -benchtime=1x: each run sends a fixed number of requests.
func BenchmarkServeLightGBM100(b *testing.B) {
	m, err := serving.LoadFS(os.DirFS(benchModel))
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: serving.New(m, nil)}
	go srv.Serve(ln)
	defer srv.Close()
	for range b.N {
		measureServer(b, "http://"+ln.Addr().String(), 5000, 50)
	}
}

// BenchmarkMLflowServeLightGBM100 measures mlflow models serve
// (--env-manager local) on the same model, the same way. It needs the
// mlflow package (see .ci/run); run with -benchtime=1x.
func BenchmarkMLflowServeLightGBM100(b *testing.B) {
	py := pyclient.Need(b)
	mlflowBin := filepath.Join(filepath.Dir(py), "mlflow")
	if _, err := os.Stat(mlflowBin); err != nil {
		b.Skipf("no mlflow command beside %s", py)
	}
	dir, err := filepath.Abs(benchModel)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, mlflowBin, "models", "serve", "-m", dir, "--port", fmt.Sprint(port), "--host", "127.0.0.1", "--env-manager", "local")
	cmd.Env = pyclient.Env()
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cancel(); cmd.Wait() }()
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(url + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("mlflow models serve did not answer /ping:\n%s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	for range b.N {
		measureServer(b, url, 1000, 10)
	}
}
