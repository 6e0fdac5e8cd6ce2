package blob

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// crashChildEnv names the blob folder to the crash test's child process;
// crashStartEnv says where in its sequence of blobs it starts.
const (
	crashChildEnv = "MLITE_BLOB_CRASH_DIR"
	crashStartEnv = "MLITE_BLOB_CRASH_START"
	crashModeEnv  = "MLITE_BLOB_CRASH_MODE" // "compress": TestCrashCompress's child
)

// TestCrashChild is the child process of TestCrash: it puts blobs of
// growing size, some compressible, with fsync, printing each digest once
// Put has returned, until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("only runs as TestCrash's child process")
	}
	s, err := Open(dir, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	start, _ := strconv.ParseInt(os.Getenv(crashStartEnv), 10, 64)
	if os.Getenv(crashModeEnv) == "compress" {
		// Store compressible blobs raw and compress them, over and over.
		for i := start; ; i++ {
			info, err := s.Put(context.Background(), source{"text", 8<<20 + i}.open())
			if err != nil {
				fmt.Println("error", err)
				os.Exit(2)
			}
			fmt.Println("stored", info.Digest)
			if _, err := s.CompressPending(context.Background(), &CompressOptions{Workers: 1}); err != nil {
				fmt.Println("error", err)
				os.Exit(2)
			}
		}
	}
	for i := start; ; i++ {
		kind := "random"
		if i%2 == 1 {
			kind = "text"
		}
		size := min(10+i*i*i*40000, 1<<30) + i
		info, err := s.Put(context.Background(), source{kind, size}.open())
		if err != nil {
			fmt.Println("error", err)
			os.Exit(2)
		}
		fmt.Println("stored", info.Digest)
	}
}

// TestCrash kills a process in the middle of Puts, several times, at
// random moments, and checks that reopening leaves no temp file, that
// every blob a Put had returned is present, and that every visible blob
// is complete and verifies.
func TestCrash(t *testing.T) { crashTest(t, "put", 2) }

// TestCrashCompress kills a process while it compresses blobs stored raw,
// with the same checks as TestCrash. The marks are then lost (as a
// machine crash may lose them before they are synced); a last pass with
// Rescan finds and compresses what is left, and everything still
// verifies.
func TestCrashCompress(t *testing.T) {
	dir := crashTest(t, "compress", 1000)
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, pendingDir)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompressPending(context.Background(), &CompressOptions{Rescan: true}); err != nil {
		t.Fatal(err)
	}
	err = s.Walk(context.Background(), func(i Info) error {
		if i.Codec != Zstd {
			t.Errorf("blob %s is %v after the last pass, want zstd", i.Digest, i.Codec)
		}
		return s.Verify(context.Background(), i.Digest)
	})
	if err != nil {
		t.Error(err)
	}
}

// crashTest runs the crash test's child in mode ("put" or "compress"),
// starting at step*round, and returns the blob folder.
func crashTest(t *testing.T, mode string, step int) string {
	if testing.Short() {
		t.Skip("skipped with -short")
	}
	dir := filepath.Join(t.TempDir(), "crash-blobs")
	rng := rand.New(rand.NewPCG(1, 2))
	confirmed := map[string]bool{}
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, fmt.Sprint(crashStartEnv, "=", step*round), crashModeEnv+"="+mode)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		// Let it store a few blobs, then kill it at a random moment while
		// a larger one is being written.
		deadline := time.After(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		killed := false
		for !killed {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("round %d: child exited early", round)
				}
				if d, ok := strings.CutPrefix(l, "stored "); ok {
					confirmed[d] = true
				} else if strings.HasPrefix(l, "error") {
					t.Fatalf("round %d: child: %s", round, l)
				}
			case <-deadline:
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
		for l := range lines {
			if d, ok := strings.CutPrefix(l, "stored "); ok {
				confirmed[d] = true
			}
		}
		_ = cmd.Wait()
		tmps, _ := os.ReadDir(filepath.Join(dir, tmpDir))
		t.Logf("round %d: killed with %d temp files, %d blobs confirmed so far", round, len(tmps), len(confirmed))

		s, err := Open(dir, &Options{TempGrace: -1})
		if err != nil {
			t.Fatal(err)
		}
		if got := tempFiles(t, s); len(got) != 0 {
			t.Errorf("round %d: temp files left after Open: %v", round, got)
		}
		seen := map[string]bool{}
		for _, d := range list(t, s) {
			seen[d.String()] = true
			if err := s.Verify(context.Background(), d); err != nil {
				t.Errorf("round %d: visible blob does not verify: %v", round, err)
			}
		}
		for d := range confirmed {
			if !seen[d] {
				t.Errorf("round %d: blob %s confirmed by Put is missing", round, d)
			}
		}
	}
	return dir
}
