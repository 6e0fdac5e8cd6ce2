package repro

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// MaxDiffBytes bounds the patch GitState returns. A bigger diff (a tracked
// data file rewritten, say) is reported with ErrDiffTooLarge instead.
const MaxDiffBytes = 16 << 20

// ErrDiffTooLarge reports a diff bigger than MaxDiffBytes. GitState still
// reports the work tree as dirty with it.
var ErrDiffTooLarge = errors.New("repro: git diff larger than MaxDiffBytes")

// GitState reports whether the work tree that contains dir has uncommitted
// changes to tracked files (untracked files do not count, as in MLflow) and
// the patch `git diff HEAD` prints for them: staged and unstaged changes
// together, empty when clean. It runs git and may take long, so the caller
// runs it in the background; ctx cancels it.
//
// It returns ok=false with a nil error when git is not installed, dir is
// not inside a work tree, or the branch has no commit yet. A diff over
// MaxDiffBytes gives dirty=true, a nil diff and ErrDiffTooLarge.
func GitState(ctx context.Context, dir string) (dirty bool, diff []byte, ok bool, err error) {
	gitPath, err := exec.LookPath("git")
	if err != nil {
		return false, nil, false, nil
	}
	if dir == "" {
		dir = "."
	}
	out, err := runGit(ctx, gitPath, dir, 4096, "rev-parse", "--is-inside-work-tree")
	if err != nil || strings.TrimSpace(string(out)) != "true" {
		if ctx.Err() != nil {
			return false, nil, false, ctx.Err()
		}
		return false, nil, false, nil // no work tree here (or git refuses it)
	}
	if _, err := runGit(ctx, gitPath, dir, 4096, "rev-parse", "--verify", "--quiet", "HEAD^{commit}"); err != nil {
		if ctx.Err() != nil {
			return false, nil, false, ctx.Err()
		}
		return false, nil, false, nil // no commit to compare with
	}
	diff, err = runGit(ctx, gitPath, dir, MaxDiffBytes,
		"-c", "core.quotePath=false", "diff", "HEAD", "--no-color", "--no-ext-diff", "--no-textconv")
	if errors.Is(err, ErrDiffTooLarge) {
		return true, nil, true, err
	}
	if err != nil {
		return false, nil, false, fmt.Errorf("repro: git diff in %s: %w", dir, err)
	}
	return len(diff) > 0, diff, true, nil
}

// runGit runs git in dir and returns its standard output, at most max bytes
// (more is ErrDiffTooLarge). The environment keeps git from taking locks
// (the user's own git commands must not collide with ours), from asking for
// anything and from following GIT_DIR-style variables that would point it
// somewhere other than dir.
func runGit(ctx context.Context, gitPath, dir string, max int64, args ...string) ([]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, gitPath, append([]string{"--no-pager", "-C", dir}, args...)...)
	cmd.Env = gitEnv()
	cmd.WaitDelay = 2 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{buf: &stderr, n: 4096}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	out, readErr := io.ReadAll(io.LimitReader(stdout, max+1))
	tooLarge := int64(len(out)) > max
	if tooLarge {
		cancel() // stop git rather than read the rest
	}
	waitErr := cmd.Wait()
	switch {
	case tooLarge:
		return nil, ErrDiffTooLarge
	case readErr != nil:
		return nil, readErr
	case waitErr != nil:
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("%w: %s", waitErr, msg)
		}
		return nil, waitErr
	}
	return out, nil
}

// gitEnv is the environment for git: the process's, without the variables
// that redirect repository discovery, plus no optional locks, no prompts and
// untranslated messages.
func gitEnv() []string {
	env := os.Environ()
	kept := env[:0:0]
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR",
			"GIT_OBJECT_DIRECTORY", "GIT_NAMESPACE", "GIT_OPTIONAL_LOCKS",
			"GIT_TERMINAL_PROMPT", "GIT_EXTERNAL_DIFF", "LC_ALL":
			continue
		}
		kept = append(kept, kv)
	}
	return append(kept, "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
}

// limitedWriter keeps the first n bytes written to it and drops the rest.
type limitedWriter struct {
	buf *bytes.Buffer
	n   int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.buf.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
