package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/blob"
	"github.com/mlite/mlite/internal/benchdata"
	"github.com/mlite/mlite/internal/cputime"
	"github.com/mlite/mlite/internal/pyclient"
	"github.com/mlite/mlite/run"
)

// Benchmarks of artifacts through `mlite server` (run in this process,
// on 127.0.0.1, over a synced store) and the CLI, each beside the plain
// copy + fsync of the same bytes measured in the same run: "x-copy" is
// copy time over mlite's (goal 0.9 or more).

// benchSize is the size of the large file: a numeric CSV or random bytes.
const benchSize = 128 << 20

// benchData returns the large file's bytes of kind "csv" or "random".
func benchData(kind string) []byte {
	if kind == "csv" {
		return benchdata.NumericCSV(1, benchSize)
	}
	return benchdata.Random(1, benchSize)
}

// benchServer starts `mlite server` on a new synced store and creates a
// run there; it returns the server's URL, the run's id, its artifact
// proxy URL and the store's path.
func benchServer(b *testing.B) (url, runID, artifacts, db string) {
	b.Helper()
	db = filepath.Join(b.TempDir(), "s.mlite")
	srv := startServer(b, "server", runServe, []string{"server", "--db", db, "--port", "0", "--quiet"}, `at (http://\S+)/ `, 30*time.Second)
	id := createRun(b, srv.url)
	return srv.url, id, srv.url + "/api/2.0/mlflow-artifacts/artifacts/0/" + id + "/artifacts/", db
}

// createRun creates a run in experiment 0 through the server at url and
// returns its id.
func createRun(b *testing.B, url string) string {
	b.Helper()
	resp, err := http.Post(url+"/api/2.0/mlflow/runs/create", "application/json", bytes.NewReader([]byte(`{"experiment_id": "0"}`)))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || created.Run.Info.RunID == "" {
		b.Fatalf("create run: status %s, %v", resp.Status, err)
	}
	return created.Run.Info.RunID
}

// waitCompressed waits until blob d in store db's blob folder is stored
// compressed (by the server's background pass, which has the cores while
// nothing is logged or read), for at most two minutes.
func waitCompressed(b *testing.B, db string, d blob.Digest) {
	b.Helper()
	bs, err := blob.Open(run.BlobDir(db), &blob.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		info, err := bs.Stat(context.Background(), d)
		if err == nil && info.Codec == blob.Zstd {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("the server did not compress the file within two minutes: %+v, %v", info, err)
		}
	}
}

// upload PUTs data to url through the artifact proxy.
func upload(b *testing.B, url string, data []byte) {
	req, err := http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("PUT %s: %s %s", url, resp.Status, body)
	}
}

// vsCopy accumulates an operation's time and that of the copy + fsync of
// the same bytes, and reports both rates and their ratio.
type vsCopy struct {
	op, copy time.Duration
	bytes    int64
}

// copyOf times the copy + fsync of data to a new file in dir.
func (v *vsCopy) copyOf(b *testing.B, dir string, data []byte) {
	start := time.Now()
	if err := benchdata.CopySync(filepath.Join(dir, fmt.Sprintf("copy%d", time.Now().UnixNano())), bytes.NewReader(data)); err != nil {
		b.Fatal(err)
	}
	v.copy += time.Since(start)
}

// timed adds the time fn takes to the operation's.
func (v *vsCopy) timed(fn func()) {
	start := time.Now()
	fn()
	v.op += time.Since(start)
}

func (v *vsCopy) report(b *testing.B, unit string) {
	mb := float64(v.bytes) / 1e6
	b.ReportMetric(mb/v.op.Seconds(), unit+"-MB/s")
	b.ReportMetric(mb/v.copy.Seconds(), "copy-MB/s")
	b.ReportMetric(v.copy.Seconds()/v.op.Seconds(), "x-copy")
}

// BenchmarkServerArtifacts uploads (PUT) and downloads (GET) a 128 MiB
// numeric CSV and 128 MiB of random bytes through `mlite server`'s
// artifact proxy with Go's HTTP client, new content for each upload.
// A download of the CSV reads it compressed: it waits (untimed) for the
// server's background pass first. Downloads also report the CPU time
// this process (client and server) spent per GiB.
func BenchmarkServerArtifacts(b *testing.B) {
	_, _, artifacts, db := benchServer(b)
	dir := b.TempDir()
	for _, kind := range []string{"csv", "random"} {
		data := benchData(kind)
		b.Run("upload-"+kind, func(b *testing.B) {
			var v vsCopy
			i := 0
			for b.Loop() {
				copy(data, fmt.Sprintf("%08d", i)) // new content
				v.copyOf(b, dir, data)
				v.timed(func() { upload(b, artifacts+fmt.Sprint("up-", kind, i), data) })
				v.bytes += int64(len(data))
				i++
			}
			v.report(b, "upload")
		})
		b.Run("download-"+kind, func(b *testing.B) {
			url := artifacts + "down-" + kind
			upload(b, url, data)
			if kind == "csv" {
				waitCompressed(b, db, blob.Sum(data))
			}
			var v vsCopy
			var cpu time.Duration
			for b.Loop() {
				v.copyOf(b, dir, data)
				cpuTimed(&v.op, &cpu, func() {
					resp, err := http.Get(url)
					if err != nil {
						b.Fatal(err)
					}
					n, err := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if err != nil || n != int64(len(data)) || resp.StatusCode != http.StatusOK {
						b.Fatalf("GET %s: %d bytes, status %d, %v", url, n, resp.StatusCode, err)
					}
				})
				v.bytes += int64(len(data))
			}
			v.report(b, "download")
			b.ReportMetric(cpu.Seconds()/(float64(v.bytes)/(1<<30)), "cpu-s/GiB")
		})
	}
}

// sinkServer starts a server on 127.0.0.1 that stands in for target (a
// `mlite server`'s URL) as the upload's far end: it reads the body of
// every PUT to the artifact proxy in chunks of 1 MiB (as blob.Put does)
// and drops it, and passes every other request to target. An upload to it
// costs what the client, the loopback connection and reading the body
// cost: the client's own limit. It returns the sink's URL.
func sinkServer(b *testing.B, target string) string {
	b.Helper()
	u, err := url.Parse(target)
	if err != nil {
		b.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut || !strings.Contains(r.URL.Path, "/mlflow-artifacts/artifacts/") {
			proxy.ServeHTTP(w, r)
			return
		}
		buf := make([]byte, 1<<20)
		for {
			if _, err := io.ReadFull(r.Body, buf); err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				break
			}
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// vsLimit accumulates an upload's time to `mlite server` and to the sink
// (sinkServer) and the copy + fsync of the same bytes, and reports the
// three rates, mlite's ratio to each ("x-copy", "x-sink") and to the
// slower of the two ("x-limit": the goal is 0.9 or more).
//
// With a client in this process (Go's), it also reports the CPU time the
// process spent on each upload, client and server together, per GiB.
type vsLimit struct {
	vsCopy
	sink           time.Duration
	opCPU, sinkCPU time.Duration
}

func (v *vsLimit) report(b *testing.B) {
	v.vsCopy.report(b, "mlite")
	b.ReportMetric(float64(v.bytes)/1e6/v.sink.Seconds(), "sink-MB/s")
	b.ReportMetric(v.sink.Seconds()/v.op.Seconds(), "x-sink")
	b.ReportMetric(max(v.sink, v.copy).Seconds()/v.op.Seconds(), "x-limit")
	if v.opCPU > 0 {
		gib := float64(v.bytes) / (1 << 30)
		b.ReportMetric(v.opCPU.Seconds()/gib, "mlite-cpu-s/GiB")
		b.ReportMetric(v.sinkCPU.Seconds()/gib, "sink-cpu-s/GiB")
	}
}

// cpuTimed runs fn and adds its wall time to *wall and the CPU time this
// process used meanwhile to *cpu.
func cpuTimed(wall, cpu *time.Duration, fn func()) {
	start, c := time.Now(), cputime.Used()
	fn()
	*wall += time.Since(start)
	*cpu += cputime.Used() - c
}

// uploadScript uploads the file argv[5] with the mlflow client's
// log_artifact through the tracking servers argv[1] (the sink) into run
// argv[2] and argv[3] (`mlite server`) into run argv[4] (the client keeps
// one artifact repository per run id, whatever the server), after a small
// upload to each that loads the client's code, and prints the seconds
// each took.
const uploadScript = `
import json, os, sys, tempfile, time
from mlflow.tracking import MlflowClient

sink, sink_run, server, run, path = sys.argv[1:6]
with tempfile.TemporaryDirectory() as d:
    warm = os.path.join(d, "warm.txt")
    with open(warm, "w") as f:
        f.write(path)
    took = {}
    for name, url, run_id in (("sink", sink, sink_run), ("mlite", server, run)):
        client = MlflowClient(url)
        client.log_artifact(run_id, warm, "warm")
        t = time.perf_counter()
        client.log_artifact(run_id, path, "up")
        took[name] = time.perf_counter() - t
print("MLITE-RESULT " + json.dumps(took))
`

// BenchmarkServerUpload uploads a 128 MiB numeric CSV and 128 MiB of
// random bytes, new content each time, with each client (Go's HTTP
// client: "go-"; the mlflow client's log_artifact: "mlflow-", skipped
// without a python3 that imports mlflow) to `mlite server` and to a sink
// server that reads and drops the body (sinkServer: the client's own
// limit), beside the copy + fsync of the same bytes, all three in each
// iteration. Before each iteration it waits (untimed) for the server's
// background pass to compress the CSV logged before, so that each starts
// on idle cores.
func BenchmarkServerUpload(b *testing.B) {
	url, runID, artifacts, db := benchServer(b)
	sink, sinkRun := sinkServer(b, url), createRun(b, url)
	sinkArtifacts := sink + strings.TrimPrefix(artifacts, url)
	dir := b.TempDir()
	for _, client := range []string{"go", "mlflow"} {
		for _, kind := range []string{"csv", "random"} {
			data := benchData(kind)
			b.Run(client+"-"+kind, func(b *testing.B) {
				var py string
				if client == "mlflow" {
					py = pyclient.Need(b)
				}
				var v vsLimit
				i := 0
				var last *blob.Digest // the CSV logged last, to wait for
				for b.Loop() {
					b.StopTimer()
					if last != nil {
						waitCompressed(b, db, *last)
					}
					copy(data, fmt.Sprintf("%s%08d", client, i)) // new content
					local := ""
					if client == "mlflow" {
						local = filepath.Join(dir, fmt.Sprint(client, kind, i))
						if err := os.WriteFile(local, data, 0o644); err != nil {
							b.Fatal(err)
						}
					}
					b.StartTimer()
					v.copyOf(b, dir, data)
					if client == "go" {
						cpuTimed(&v.sink, &v.sinkCPU, func() { upload(b, sinkArtifacts+fmt.Sprint("up-", kind, i), data) })
						cpuTimed(&v.op, &v.opCPU, func() { upload(b, artifacts+fmt.Sprint("up-", kind, i), data) })
					} else {
						stdout, stderr, err := pyclient.Run(py, uploadScript, pyclient.Env(), sink, sinkRun, url, runID, local)
						if err != nil {
							b.Fatalf("mlflow client: %v\n%s", err, stderr)
						}
						_, res, ok := strings.Cut(stdout, "MLITE-RESULT ")
						var took struct{ Sink, Mlite float64 }
						if !ok || json.Unmarshal([]byte(res), &took) != nil {
							b.Fatalf("mlflow client printed no result: %s\n%s", stdout, stderr)
						}
						v.sink += time.Duration(took.Sink * float64(time.Second))
						v.op += time.Duration(took.Mlite * float64(time.Second))
					}
					v.bytes += int64(len(data))
					if kind == "csv" {
						d := blob.Sum(data)
						last = &d
					}
					i++
				}
				if last != nil {
					waitCompressed(b, db, *last) // before the next benchmark
				}
				v.report(b)
			})
		}
	}
}

// mlflowScript logs, with the mlflow client through the server, the file
// argv[3] with log_artifact and the folder argv[4] with log_artifacts into
// run argv[2], and prints the seconds each took.
const mlflowScript = `
import json, sys, time
from mlflow.tracking import MlflowClient

client = MlflowClient(sys.argv[1])
run, path, folder = sys.argv[2], sys.argv[3], sys.argv[4]
t = time.perf_counter()
client.log_artifact(run, path, "file")
file_s = time.perf_counter() - t
t = time.perf_counter()
client.log_artifacts(run, folder, "folder")
folder_s = time.perf_counter() - t
print("MLITE-RESULT " + json.dumps({"file": file_s, "folder": folder_s}))
`

// BenchmarkServerMLflowClient logs a 128 MiB numeric CSV (log_artifact)
// and a folder of 1,000 files of 2 KB (log_artifacts: the client PUTs
// them one by one) with the mlflow Python client through `mlite server`,
// and copies the same file and folder with fsync in the same run. It
// skips without a python3 that imports mlflow.
func BenchmarkServerMLflowClient(b *testing.B) {
	const files, fileSize = 1000, 2048
	py := pyclient.Need(b)
	url, runID, _, _ := benchServer(b)
	dir := b.TempDir()
	data := benchData("csv")
	var file, folder vsCopy
	var filesDone int
	i := 0
	for b.Loop() {
		b.StopTimer()
		big := filepath.Join(dir, fmt.Sprintf("big%d.csv", i))
		copy(data, fmt.Sprintf("%08d", i))
		if err := os.WriteFile(big, data, 0o644); err != nil {
			b.Fatal(err)
		}
		src, err := benchdata.SmallFiles(dir, files, fileSize, i)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		file.copyOf(b, dir, data)
		start := time.Now()
		if _, err := benchdata.CopyTreeSync(src, filepath.Join(dir, fmt.Sprint("tree", i))); err != nil {
			b.Fatal(err)
		}
		folder.copy += time.Since(start)
		stdout, stderr, err := pyclient.Run(py, mlflowScript, pyclient.Env(), url, runID, big, src)
		if err != nil {
			b.Fatalf("mlflow client: %v\n%s", err, stderr)
		}
		_, res, ok := bytes.Cut([]byte(stdout), []byte("MLITE-RESULT "))
		var took struct{ File, Folder float64 }
		if !ok || json.Unmarshal(res, &took) != nil {
			b.Fatalf("mlflow client printed no result: %s\n%s", stdout, stderr)
		}
		file.op += time.Duration(took.File * float64(time.Second))
		folder.op += time.Duration(took.Folder * float64(time.Second))
		file.bytes += int64(len(data))
		folder.bytes += files * fileSize
		filesDone += files
		i++
	}
	file.report(b, "log_artifact")
	b.ReportMetric(float64(filesDone)/folder.op.Seconds(), "log_artifacts-files/s")
	b.ReportMetric(float64(filesDone)/folder.copy.Seconds(), "copy-files/s")
	b.ReportMetric(folder.copy.Seconds()/folder.op.Seconds(), "folder-x-copy")
}

// BenchmarkCLIArtifactsLog runs `mlite artifacts log` (in this process)
// of a 128 MiB numeric CSV and of random bytes into a synced store, new
// content each time, beside the copy + fsync of the same file.
func BenchmarkCLIArtifactsLog(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	db := filepath.Join(dir, "cli.mlite")
	st, err := mlite.Open(db, nil)
	if err != nil {
		b.Fatal(err)
	}
	e, err := st.SetExperiment(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := st.StartRun(ctx, e.ID, run.Name("bench")); err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{"csv", "random"} {
		data := benchData(kind)
		b.Run(kind, func(b *testing.B) {
			var v vsCopy
			i := 0
			for b.Loop() {
				b.StopTimer()
				local := filepath.Join(dir, fmt.Sprint(kind, i))
				copy(data, fmt.Sprintf("%08d", i))
				if err := os.WriteFile(local, data, 0o644); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				v.copyOf(b, dir, data)
				v.timed(func() {
					if err := execute(ctx, []string{"--db", db, "artifacts", "log", "bench", local}, io.Discard, io.Discard); err != nil {
						b.Fatal(err)
					}
				})
				v.bytes += int64(len(data))
				i++
			}
			v.report(b, "log")
		})
	}
}
