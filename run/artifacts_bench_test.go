package run_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlite/mlite/internal/benchdata"
	"github.com/mlite/mlite/run"
)

// Benchmarks of logging artifacts against what the disk does, measured in
// the same run: each reports mlite's rate, the plain copy + fsync's rate
// of the same bytes, and their ratio ("x-copy", goal 0.9 or more), with
// fsync on (a synced store).

// syncedTracker opens a tracker over a new synced store in a temp folder.
func syncedTracker(b *testing.B) (*run.Tracker, string) {
	b.Helper()
	dir := b.TempDir()
	tr, st, err := openTrackerAt(filepath.Join(dir, "b.mlite"), nil, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { tr.Wait(); st.Close() })
	return tr, dir
}

// BenchmarkLogArtifactVsCopy logs one large file, 128 MiB of numeric CSV
// or of random bytes, new content each time, and copies the same bytes
// with fsync. For the CSV it then reports the stored size after the
// compression pass, over the content's ("stored-ratio").
func BenchmarkLogArtifactVsCopy(b *testing.B) {
	const size = 128 << 20
	for _, kind := range []string{"csv", "random"} {
		b.Run(kind, func(b *testing.B) {
			var data []byte
			if kind == "csv" {
				data = benchdata.NumericCSV(1, size)
			} else {
				data = benchdata.Random(1, size)
			}
			tr, dir := syncedTracker(b)
			r := startRun(b, tr)
			// New content each time: the first bytes differ.
			i := vsCopy(b, dir, data, "log", func(i int) { copy(data, fmt.Sprintf("%08d", i)) }, func(i int) error {
				return r.LogReader(ctx, bytes.NewReader(data), "f"+strconv.Itoa(i))
			})
			if kind == "csv" {
				b.StopTimer()
				tr.Wait()
				if _, err := tr.CompressArtifacts(ctx); err != nil {
					b.Fatal(err)
				}
				_, stored := usage(b, tr.Blobs())
				b.ReportMetric(float64(stored)/(float64(size)*float64(i)), "stored-ratio")
			}
		})
	}
}

// mlflowRate runs testdata/mlflow_log_artifacts.py with the Python named by
// $MLITE_MLFLOW_PYTHON (default python3) and returns MLflow's files/s, or
// 0 and why it could not.
func mlflowRate(b *testing.B, n, size int) (float64, string) {
	py := os.Getenv("MLITE_MLFLOW_PYTHON")
	if py == "" {
		py = "python3"
	}
	script, err := filepath.Abs(filepath.Join("testdata", "mlflow_log_artifacts.py"))
	if err != nil {
		return 0, err.Error()
	}
	work := b.TempDir()
	cmd := exec.Command(py, script, work, strconv.Itoa(n), strconv.Itoa(size))
	cmd.Dir = work
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Sprintf("%s: %v", py, err)
	}
	line := strings.TrimSpace(string(out))
	if why, ok := strings.CutPrefix(line, "skip "); ok {
		return 0, why
	}
	rate, err := strconv.ParseFloat(strings.TrimPrefix(line, "files/s "), 64)
	if err != nil {
		return 0, fmt.Sprintf("unexpected output %q", line)
	}
	return rate, ""
}

// BenchmarkDownloadArtifactsVsCopy downloads one large artifact, 128 MiB
// of numeric CSV (stored compressed, after the compression pass) or of
// random bytes (raw), into a new folder each time, as `mlite artifacts
// get` does (verified, synced, renamed into place), and copies the same
// bytes with fsync.
func BenchmarkDownloadArtifactsVsCopy(b *testing.B) {
	const size = 128 << 20
	for _, kind := range []string{"csv", "random"} {
		b.Run(kind, func(b *testing.B) {
			data := benchdata.Random(1, size)
			if kind == "csv" {
				data = benchdata.NumericCSV(1, size)
			}
			tr, dir := syncedTracker(b)
			r := startRun(b, tr)
			if err := r.LogBytes(ctx, data, "big"); err != nil {
				b.Fatal(err)
			}
			tr.Wait()
			if _, err := tr.CompressArtifacts(ctx); err != nil {
				b.Fatal(err)
			}
			vsCopy(b, dir, data, "get", nil, func(i int) error {
				_, err := tr.DownloadArtifacts(ctx, r.ID(), "big", filepath.Join(dir, "get"+strconv.Itoa(i)))
				return err
			})
		})
	}
}

// vsCopy runs op(i) once an iteration i, after the copy + fsync of data
// to a new file in dir, and after prepare(i) if prepare is not nil. It
// reports op's rate over len(data) bytes ("<unit>-MB/s"), the copy's, and
// their ratio ("x-copy"), and returns the number of iterations.
func vsCopy(b *testing.B, dir string, data []byte, unit string, prepare func(int), op func(int) error) int {
	var opT, copyT time.Duration
	i := 0
	for b.Loop() {
		if prepare != nil {
			prepare(i)
		}
		start := time.Now()
		// A new file each time: truncating or deleting the last one
		// would slow the next writes.
		if err := benchdata.CopySync(filepath.Join(dir, "copy"+strconv.Itoa(i)), bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
		copyT += time.Since(start)
		start = time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		opT += time.Since(start)
		i++
	}
	mb := float64(len(data)) * float64(i) / 1e6
	b.ReportMetric(mb/opT.Seconds(), unit+"-MB/s")
	b.ReportMetric(mb/copyT.Seconds(), "copy-MB/s")
	b.ReportMetric(copyT.Seconds()/opT.Seconds(), "x-copy")
	return i
}

// BenchmarkLogArtifactsSmallFiles logs a folder of 5,000 files of 2 KB
// (new content each time) into a synced store and reports files/s; where
// Python with mlflow is found ($MLITE_MLFLOW_PYTHON), it also measures
// mlflow.log_artifacts of the same folder into a local sqlite:/// store
// in the same run and reports the ratio ("x-mlflow", goal 1 or more).
func BenchmarkLogArtifactsSmallFiles(b *testing.B) {
	const n, size = 5000, 2048
	mlflow, why := mlflowRate(b, n, size)
	if why != "" {
		b.Logf("MLflow side skipped: %s", why)
	}
	tr, dir := syncedTracker(b)
	r := startRun(b, tr)
	var logT time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		src, err := benchdata.SmallFiles(dir, n, size, i)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := r.LogArtifacts(ctx, src, "batch"+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
		logT += time.Since(start)
		i++
	}
	rate := float64(n*i) / logT.Seconds()
	b.ReportMetric(rate, "files/s")
	if mlflow > 0 {
		b.ReportMetric(mlflow, "mlflow-files/s")
		b.ReportMetric(rate/mlflow, "x-mlflow")
	}
}
