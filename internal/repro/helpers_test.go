package repro

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needGit skips the test when git is not installed.
func needGit(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		tb.Skip("git is not installed")
	}
}

// git runs git in dir with a private, fixed configuration and returns its
// trimmed output.
func git(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	full := append([]string{"-C", dir,
		"-c", "user.name=mlite test", "-c", "user.email=test@example.com",
		"-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main",
		"-c", "protocol.file.allow=always"}, args...)
	cmd := exec.Command("git", full...)
	cmd.Env = append(gitEnv(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// newRepo makes a work tree with one commit on branch main, a tracked
// file a.txt and the remote origin, and returns its directory and commit.
func newRepo(tb testing.TB) (dir, commit string) {
	tb.Helper()
	needGit(tb)
	dir = filepath.Join(tb.TempDir(), "repo")
	git(tb, filepath.Dir(dir), "init", "-q", "-b", "main", dir)
	write(tb, filepath.Join(dir, "a.txt"), "one\ntwo\n")
	write(tb, filepath.Join(dir, "sub", "b.txt"), "bee\n")
	git(tb, dir, "add", ".")
	git(tb, dir, "commit", "-q", "-m", "first")
	git(tb, dir, "remote", "add", "origin", "https://example.com/team/project.git")
	return dir, git(tb, dir, "rev-parse", "HEAD")
}

func write(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}
