package registry_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mlite/mlite"
	"github.com/mlite/mlite/internal/testchild"
	"github.com/mlite/mlite/registry"
)

// A child process is this test binary run again (package testchild);
// TestMain plays its role instead of the tests.
func TestMain(m *testing.M) {
	testchild.Main(registryChild)
	os.Exit(m.Run())
}

const (
	transitionsPerChild = 300
	concurrentModel     = "m"
)

func registryChild(role, path, arg string) error {
	ctx := context.Background()
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true, User: role + arg})
	if err != nil {
		return err
	}
	defer db.Close()
	reg := db.Registry()
	switch role {
	case "promote":
		// Promote the versions arg names in turn, asking to archive the
		// version in Production each time.
		var versions []int64
		for _, f := range strings.Split(arg, ",") {
			v, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return err
			}
			versions = append(versions, v)
		}
		// Start together: wait for the parent's go file.
		for {
			if _, err := os.Stat(path + ".go"); err == nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		for i := range transitionsPerChild {
			v := versions[i%len(versions)]
			if _, err := reg.TransitionStage(ctx, concurrentModel, v, "Production", true); err != nil {
				return fmt.Errorf("transition %d of version %d: %w", i, v, err)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown role %q", role)
}

// TestConcurrentTransitionsAcrossProcesses: two processes promote
// versions of one model to Production with archive_existing_versions at
// the same time. The result must be a serial outcome: replaying the audit
// log in order gives the stored stages, never two versions in Production.
func TestConcurrentTransitionsAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reg.mlite")
	db, err := mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	id := logRun(t, db, map[string]string{"model/weights.txt": "weights"})
	reg := db.Registry()
	for range 4 {
		mustVersion(t, reg, concurrentModel, "runs:/"+id.String()+"/model")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for _, versions := range []string{"1,2", "3,4"} {
		cmd := testchild.Command("", "promote", path, versions)
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	if err := os.WriteFile(path+".go", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v\n%s", i, err, outs[i])
		}
	}

	db, err = mlite.Open(path, &mlite.Options{NoCapture: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg = db.Registry()
	events, err := reg.Audit(ctx, concurrentModel)
	if err != nil {
		t.Fatal(err)
	}
	stages := map[int64]string{1: "None", 2: "None", 3: "None", 4: "None"}
	promotions := 0
	users := map[string]int{}
	switches, last := 0, ""
	for _, ev := range events {
		if ev.Action != registry.ActionTransitionStage {
			continue
		}
		if stages[ev.Version] != ev.From {
			t.Fatalf("event %d moves version %d from %s, but replay has it in %s", ev.Seq, ev.Version, ev.From, stages[ev.Version])
		}
		stages[ev.Version] = ev.To
		if ev.Key == "" {
			promotions++
			users[ev.User]++
			if last != "" && ev.User != last {
				switches++
			}
			last = ev.User
		}
		inProd := 0
		for _, s := range stages {
			if s == "Production" {
				inProd++
			}
		}
		// Archiving happens before the promotion in one transaction, so
		// after each complete promotion event exactly one is live.
		if ev.Key == "" && inProd != 1 {
			t.Fatalf("after event %d, %d versions in Production (replay %v)", ev.Seq, inProd, stages)
		}
	}
	t.Logf("%d promotions; the writing process changed %d times", promotions, switches)
	if switches < 2 {
		t.Errorf("the two processes' transitions did not interleave (%d switches)", switches)
	}
	if promotions != 2*transitionsPerChild || len(users) != 2 {
		t.Fatalf("%d promotions by %v, want %d by two users", promotions, users, 2*transitionsPerChild)
	}
	vs, err := reg.Versions(ctx, concurrentModel)
	if err != nil {
		t.Fatal(err)
	}
	for _, mv := range vs {
		if mv.Stage.String() != stages[mv.Version] {
			t.Errorf("version %d is %s, replay of the audit log says %s", mv.Version, mv.Stage, stages[mv.Version])
		}
	}
	if probs, err := db.Check(ctx); err != nil || len(probs) != 0 {
		t.Fatalf("Check = %v, %v", probs, err)
	}
}
