package repro

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGitStateCleanAndDirty(t *testing.T) {
	dir, _ := newRepo(t)
	ctx := context.Background()

	dirty, diff, ok, err := GitState(ctx, dir)
	if err != nil || !ok || dirty || len(diff) != 0 {
		t.Fatalf("clean tree: got dirty=%v diff=%q ok=%v err=%v, want clean, ok", dirty, diff, ok, err)
	}

	// Untracked files do not make the tree dirty (as in MLflow).
	write(t, filepath.Join(dir, "untracked.txt"), "new\n")
	dirty, diff, ok, err = GitState(ctx, dir)
	if err != nil || !ok || dirty || len(diff) != 0 {
		t.Fatalf("untracked file only: got dirty=%v diff=%q ok=%v err=%v, want clean", dirty, diff, ok, err)
	}

	// An unstaged change and a staged one both show, from any directory
	// inside the tree.
	write(t, filepath.Join(dir, "a.txt"), "one\ntwo\nthree added\n")
	write(t, filepath.Join(dir, "sub", "b.txt"), "bee\nstaged line\n")
	git(t, dir, "add", "sub/b.txt")
	dirty, diff, ok, err = GitState(ctx, filepath.Join(dir, "sub"))
	if err != nil || !ok || !dirty {
		t.Fatalf("changed tree: got dirty=%v ok=%v err=%v, want dirty, ok", dirty, ok, err)
	}
	for _, want := range []string{"diff --git a/a.txt b/a.txt", "+three added", "diff --git a/sub/b.txt b/sub/b.txt", "+staged line"} {
		if !bytes.Contains(diff, []byte(want)) {
			t.Errorf("diff: got\n%s\nwant it to contain %q", diff, want)
		}
	}
	if want := git(t, dir, "diff", "HEAD"); strings.TrimSpace(string(diff)) != want {
		t.Errorf("diff: got\n%s\nwant what git diff HEAD prints:\n%s", diff, want)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "index.lock")); !os.IsNotExist(err) {
		t.Errorf("index.lock left behind (err %v)", err)
	}
}

func TestGitStateNoWorkTree(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	if _, found := findGitDir(dir); found {
		t.Skipf("%s is inside a git work tree", dir)
	}
	dirty, diff, ok, err := GitState(context.Background(), dir)
	if err != nil || ok || dirty || diff != nil {
		t.Errorf("no work tree: got dirty=%v diff=%q ok=%v err=%v, want ok=false and no error", dirty, diff, ok, err)
	}
	dirty, diff, ok, err = GitState(context.Background(), filepath.Join(dir, "missing"))
	if err != nil || ok || dirty || diff != nil {
		t.Errorf("missing dir: got dirty=%v diff=%q ok=%v err=%v, want ok=false and no error", dirty, diff, ok, err)
	}
}

func TestGitStateNoCommit(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	write(t, filepath.Join(dir, "x"), "x\n")
	git(t, dir, "add", "x")
	if _, _, ok, err := GitState(context.Background(), dir); ok || err != nil {
		t.Errorf("no commit: got ok=%v err=%v, want ok=false and no error", ok, err)
	}
}

func TestGitStateNoGit(t *testing.T) {
	dir, _ := newRepo(t)
	t.Setenv("PATH", t.TempDir()) // a PATH without git
	dirty, diff, ok, err := GitState(context.Background(), dir)
	if err != nil || ok || dirty || diff != nil {
		t.Errorf("no git: got dirty=%v diff=%q ok=%v err=%v, want ok=false and no error", dirty, diff, ok, err)
	}
}

func TestGitStateIgnoresGitDirEnv(t *testing.T) {
	dir, _ := newRepo(t)
	other, _ := newRepo(t)
	write(t, filepath.Join(other, "a.txt"), "other changed\n")
	t.Setenv("GIT_DIR", filepath.Join(other, ".git"))
	t.Setenv("GIT_WORK_TREE", other)
	dirty, _, ok, err := GitState(context.Background(), dir)
	if err != nil || !ok || dirty {
		t.Errorf("GIT_DIR elsewhere: got dirty=%v ok=%v err=%v, want dir's own clean state", dirty, ok, err)
	}
}

func TestGitStateCanceled(t *testing.T) {
	dir, _ := newRepo(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, ok, err := GitState(ctx, dir)
	if ok || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: got ok=%v err=%v, want context.Canceled", ok, err)
	}
}

func TestGitStateDiffTooLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a diff over MaxDiffBytes")
	}
	dir, _ := newRepo(t)
	big := bytes.Repeat([]byte("a long line of changed text to make a big diff, over and over\n"), MaxDiffBytes/60+1000)
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	dirty, diff, ok, err := GitState(context.Background(), dir)
	if !errors.Is(err, ErrDiffTooLarge) || !dirty || !ok || diff != nil {
		t.Errorf("huge diff: got dirty=%v len(diff)=%d ok=%v err=%v, want dirty, no diff, ErrDiffTooLarge", dirty, len(diff), ok, err)
	}
}
