package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mlite/mlite/internal/flock"
)

// Temporary files beside the store: "<file>.compact-<pid>" while Compact
// writes the new file, "<file>.tmp-<pid>" while a new store is laid out.
// Their writer holds bbolt's lock on them, so one that can be locked has
// no owner any more: its process was killed.
const (
	compactSuffix = ".compact-"
	createSuffix  = ".tmp-"
)

// StaleFile is a temporary file that a killed process left beside the
// store.
type StaleFile struct {
	Path string
	Size int64
}

// staleTemps lists the temporary files beside the store whose writer is
// gone.
func (s *Store) staleTemps() []StaleFile {
	dir, base := filepath.Split(s.path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var stale []StaleFile
	for _, e := range entries {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, base+compactSuffix)
		if !ok {
			rest, ok = strings.CutPrefix(name, base+createSuffix)
		}
		if _, err := strconv.Atoi(rest); !ok || err != nil || !e.Type().IsRegular() {
			continue // not ours: the suffix must be a process id
		}
		m := filepath.Join(dir, name)
		lk, ok, err := flock.TryExisting(m)
		if err != nil || !ok {
			continue // in use, or cannot tell: leave it
		}
		lk.Unlock()
		if fi, err := os.Lstat(m); err == nil {
			stale = append(stale, StaleFile{Path: m, Size: fi.Size()})
		}
	}
	return stale
}

// removeStaleTemps deletes the temporary files killed processes left. The
// caller holds the exclusive file lock, so no create or compaction of this
// store is between steps.
func (s *Store) removeStaleTemps() {
	for _, f := range s.staleTemps() {
		os.Remove(f.Path)
	}
}

// cleanStaleTemps is removeStaleTemps for a writer's Open: it takes the
// exclusive lock only when there is something to remove.
func (s *Store) cleanStaleTemps(ctx context.Context) error {
	if len(s.staleTemps()) == 0 {
		return nil
	}
	lk, err := s.takeLock(ctx, true)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	s.removeStaleTemps()
	return nil
}

// staleProblems reports the stale temporary files as Check problems.
func (s *Store) staleProblems() []Problem {
	var probs []Problem
	for _, f := range s.staleTemps() {
		probs = append(probs, Problem{Where: "file " + filepath.Base(f.Path),
			What: fmt.Sprintf("stale temporary file (%d bytes) left by a killed compact or create; the next compact or write removes it", f.Size)})
	}
	return probs
}
