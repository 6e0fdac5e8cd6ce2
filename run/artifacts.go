package run

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mlite/mlite/blob"
	"github.com/mlite/mlite/internal/artpath"
	"github.com/mlite/mlite/store"
)

// Artifacts: files kept with a run, MLflow's log_artifact and friends.
//
// A logged file goes in two steps. Its bytes are stored in the blob folder
// first (a blob.Batch: streamed, hashed, deduplicated, renamed into place
// once synced; the batch's files are synced together and each folder once,
// before anything is indexed; large compressible files are stored raw and
// compressed later in the background, see compress.go); then one store transaction adds the run's index entry
// (path → digest, size, mode). A failure at either step leaves the index as it
// was: a blob stored without an entry is garbage that GC removes later.
//
// The transaction that adds entries first checks that each blob is still in
// the folder. GC deletes blobs only inside a write transaction of its own
// after re-reading every reference (see GC), so the two are serialised: a
// blob deleted between its Put and the index write is seen as missing and
// stored again, and an entry written first keeps its blob alive. Nothing GC
// does can leave an entry pointing at nothing.

// GitDiffArtifact is the artifact in which a run started from a dirty git
// work tree keeps the output of `git diff HEAD`.
const GitDiffArtifact = "mlite/git.diff"

// putRetries is how many times a batch of entries is retried when a blob it
// needs was deleted (by a concurrent GC) between its Put and the index write.
const putRetries = 5

// FileInfo is one entry of an artifact listing: MLflow's FileInfo.
type FileInfo struct {
	// Path is the entry's canonical path from the run's artifact root
	// (not from the listed folder), as in MLflow.
	Path string
	// IsDir is true for a folder: a path prefix of some stored files.
	IsDir bool
	// Size is the file's content size in bytes; 0 for folders.
	Size int64
	// Digest is the SHA-256 of the file's content, the name of its blob;
	// zero for folders and for files of a local artifact folder outside the
	// store (see ArtifactFolder), which are not hashed.
	Digest blob.Digest
	// ModTime is when a file of a local artifact folder outside the store
	// was last written; zero for files in the store, whose digest names
	// their content.
	ModTime time.Time
}

// pending is one file on its way into a run's artifact tree.
type pending struct {
	path string // canonical artifact path
	what string // the source, for errors: a local path, "bytes", …
	// open opens the source. It is called once per Put: again when the
	// blob must be stored again, unless oneShot.
	open    func() (io.ReadCloser, uint32, error)
	oneShot bool

	// Set by put.
	digest  blob.Digest
	size    int64
	mode    uint32
	pending bool // stored raw, to be compressed in the background
}

// invalidPath wraps an artpath error so that it also wraps store.ErrInvalid.
func invalidPath(err error) error {
	return fmt.Errorf("run: %w: %w", err, store.ErrInvalid)
}

// cleanFile returns the canonical path of a file in the artifact tree.
func cleanFile(p string) (string, error) {
	c, err := artpath.Clean(p)
	if err != nil {
		return "", invalidPath(err)
	}
	return c, nil
}

// cleanDir returns the canonical path of a folder ("" for the root).
func cleanDir(p string) (string, error) {
	c, err := artpath.CleanDir(p)
	if err != nil {
		return "", invalidPath(err)
	}
	return c, nil
}

// joinPath returns the canonical path of name inside folder dir.
func joinPath(dir, name string) (string, error) {
	c, err := artpath.Join(dir, name)
	if err != nil {
		return "", invalidPath(err)
	}
	return c, nil
}

// fileSource opens a local regular file (following a symbolic link).
// Anything else (a folder, a FIFO, a device) is refused before it is
// opened, so that logging never blocks on a pipe.
func fileSource(local string) func() (io.ReadCloser, uint32, error) {
	return func() (io.ReadCloser, uint32, error) {
		fi, err := os.Stat(local)
		if err != nil {
			return nil, 0, err
		}
		if !fi.Mode().IsRegular() {
			return nil, 0, fmt.Errorf("%s is not a regular file (%s): %w", local, fi.Mode().Type(), store.ErrInvalid)
		}
		f, err := os.Open(local)
		if err != nil {
			return nil, 0, err
		}
		fi, err = f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		if !fi.Mode().IsRegular() {
			f.Close()
			return nil, 0, fmt.Errorf("%s is not a regular file (%s): %w", local, fi.Mode().Type(), store.ErrInvalid)
		}
		return f, uint32(fi.Mode().Perm()), nil
	}
}

// bytesSource reads data held in memory.
func bytesSource(data []byte) func() (io.ReadCloser, uint32, error) {
	return func() (io.ReadCloser, uint32, error) {
		return io.NopCloser(bytes.NewReader(data)), 0o644, nil
	}
}

// LogArtifact stores the local file localPath in run id's artifact tree, in
// the folder artifactDir ("" for the root) under the file's base name:
// MLflow's log_artifact(local_path, artifact_path). The file is streamed,
// never read into memory whole; content already stored (by any run) is kept
// once. Logging a path again replaces its entry. Unlike a *Run handle, the
// tracker accepts runs that have ended; a deleted run refuses artifacts
// (store.ErrDeleted).
//
// A bad artifact path is an error wrapping store.ErrInvalid that names it;
// a path whose parent is a file, or which is a folder already, wraps
// store.ErrConflict. When anything fails, the run's index is unchanged.
func (t *Tracker) LogArtifact(ctx context.Context, id ID, localPath, artifactDir string) error {
	dir, err := cleanDir(artifactDir)
	if err != nil {
		return err
	}
	fi, err := os.Stat(localPath)
	if err != nil {
		return fmt.Errorf("run: log artifact: %w", err)
	}
	if fi.IsDir() {
		return fmt.Errorf("run: log artifact: %s is a folder (use LogArtifacts): %w", localPath, store.ErrInvalid)
	}
	p, err := joinPath(dir, filepath.Base(localPath))
	if err != nil {
		return err
	}
	return t.logFiles(ctx, runOwner(id), []*pending{{path: p, what: localPath, open: fileSource(localPath)}})
}

// LogArtifacts stores every file under the local folder localDir in run
// id's artifact tree, under the folder artifactDir ("" for the root),
// keeping their paths relative to localDir: MLflow's log_artifacts. Symbolic
// links to files are followed; links to folders, and special files, are
// refused. Empty folders are not kept (the tree holds files only).
//
// It is all or nothing: the blobs are stored first, then one transaction
// adds every entry. If a file cannot be read or a name is not a valid
// artifact path, no entry is added.
func (t *Tracker) LogArtifacts(ctx context.Context, id ID, localDir, artifactDir string) error {
	return t.logDir(ctx, runOwner(id), localDir, artifactDir)
}

// logDir is LogArtifacts over any artifact tree.
func (t *Tracker) logDir(ctx context.Context, o owner, localDir, artifactDir string) error {
	dir, err := cleanDir(artifactDir)
	if err != nil {
		return err
	}
	fi, err := os.Stat(localDir)
	if err != nil {
		return fmt.Errorf("run: log artifacts: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("run: log artifacts: %s is not a folder (use LogArtifact): %w", localDir, store.ErrInvalid)
	}
	var items []*pending
	err = filepath.WalkDir(localDir, func(local string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		typ := d.Type()
		if typ&fs.ModeSymlink != 0 {
			fi, err := os.Stat(local)
			if err != nil {
				return err
			}
			typ = fi.Mode().Type()
			if fi.IsDir() {
				return fmt.Errorf("%s is a symbolic link to a folder, which is not followed: %w", local, store.ErrInvalid)
			}
		}
		if !typ.IsRegular() {
			return fmt.Errorf("%s is not a regular file (%s): %w", local, typ, store.ErrInvalid)
		}
		rel, err := filepath.Rel(localDir, local)
		if err != nil {
			return err
		}
		p, err := joinPath(dir, filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		items = append(items, &pending{path: p, what: local, open: fileSource(local)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("run: log artifacts from %s: %w", localDir, err)
	}
	if len(items) == 0 {
		return nil
	}
	return t.logFiles(ctx, o, items)
}

// LogBytes stores data as the artifact artifactFile of run id. See
// LogArtifact for the rules.
func (t *Tracker) LogBytes(ctx context.Context, id ID, data []byte, artifactFile string) error {
	p, err := cleanFile(artifactFile)
	if err != nil {
		return err
	}
	return t.logFiles(ctx, runOwner(id), []*pending{{path: p, what: "bytes", open: bytesSource(data)}})
}

// LogReader stores what r yields until io.EOF as the artifact artifactFile
// of run id, streaming it. If r fails, its error is returned wrapped and
// nothing is added. See LogArtifact for the rules.
func (t *Tracker) LogReader(ctx context.Context, id ID, r io.Reader, artifactFile string) error {
	return t.logReader(ctx, runOwner(id), r, artifactFile)
}

// logReader is LogReader over any artifact tree.
func (t *Tracker) logReader(ctx context.Context, o owner, r io.Reader, artifactFile string) error {
	p, err := cleanFile(artifactFile)
	if err != nil {
		return err
	}
	open := func() (io.ReadCloser, uint32, error) { return io.NopCloser(r), 0o644, nil }
	return t.logFiles(ctx, o, []*pending{{path: p, what: "a reader", open: open, oneShot: true}})
}

// LogText stores text as the artifact artifactFile of run id: MLflow's
// log_text.
func (t *Tracker) LogText(ctx context.Context, id ID, text, artifactFile string) error {
	return t.LogBytes(ctx, id, []byte(text), artifactFile)
}

// LogDict stores v, encoded as indented JSON, as the artifact artifactFile
// of run id: MLflow's log_dict. MLflow writes YAML for ".yaml" and ".yml"
// files; mlite writes JSON whatever the extension, which YAML readers
// accept too. A value JSON cannot encode is an error wrapping
// store.ErrInvalid.
func (t *Tracker) LogDict(ctx context.Context, id ID, v any, artifactFile string) error {
	p, err := cleanFile(artifactFile)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("run: log dict %q: %w: %w", p, err, store.ErrInvalid)
	}
	return t.logFiles(ctx, runOwner(id), []*pending{{path: p, what: "a dict", open: bytesSource(buf.Bytes())}})
}

// LogImage stores img, encoded as PNG, as the artifact artifactFile of run
// id: MLflow's log_image. The encoding streams into the blob folder.
func (t *Tracker) LogImage(ctx context.Context, id ID, img image.Image, artifactFile string) error {
	p, err := cleanFile(artifactFile)
	if err != nil {
		return err
	}
	if img == nil {
		return fmt.Errorf("run: log image %q: nil image: %w", p, store.ErrInvalid)
	}
	if b := img.Bounds(); b.Empty() {
		return fmt.Errorf("run: log image %q: empty image (bounds %v): %w", p, b, store.ErrInvalid)
	}
	open := func() (io.ReadCloser, uint32, error) { return encodePNG(img), 0o644, nil }
	return t.logFiles(ctx, runOwner(id), []*pending{{path: p, what: "an image", open: open}})
}

// encodePNG returns a reader of img encoded as PNG by a goroutine that
// Close stops and waits for.
func encodePNG(img image.Image) io.ReadCloser {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(png.Encode(pw, img))
	}()
	return &pipeReader{PipeReader: pr, done: done}
}

type pipeReader struct {
	*io.PipeReader
	done chan struct{}
}

func (p *pipeReader) Close() error {
	err := p.PipeReader.Close()
	<-p.done
	return err
}

// logFiles stores the items' blobs, then adds their entries to run id's
// index in one transaction.
func (t *Tracker) logFiles(ctx context.Context, o owner, items []*pending) error {
	// Fail fast, before hashing what may be gigabytes.
	if err := t.st.View(ctx, func(tx *store.Tx) error { return checkTargets(tx, o, items) }); err != nil {
		return logErr(o, items, err)
	}
	if dir, err := t.folder(ctx, o); err != nil || dir != "" {
		if err == nil {
			err = writeFolder(ctx, dir, items)
		}
		if err != nil {
			return logErr(o, items, err)
		}
		return nil
	}
	// One batch: the files are written one after the other, their fsyncs
	// run together and each folder is synced once, at Commit. Nothing is
	// indexed unless Commit succeeds, so a failure leaves no entry to a
	// blob that may not survive a crash.
	b := t.blobs.NewBatch()
	defer b.Discard()
	for _, it := range items {
		if err := t.put(ctx, b, it); err != nil {
			return logErr(o, items, err)
		}
	}
	if err := b.Commit(ctx); err != nil {
		return logErr(o, items, err)
	}
	for attempt := 0; ; attempt++ {
		var gone []*pending
		err := t.st.Update(ctx, func(tx *store.Tx) error {
			gone = gone[:0]
			if err := checkTargets(tx, o, items); err != nil {
				return err
			}
			// GC deletes only inside a write transaction, so what is
			// here now stays until this one commits.
			for _, it := range items {
				info, err := t.blobs.Stat(ctx, it.digest)
				switch {
				case errors.Is(err, blob.ErrNotFound), errors.Is(err, blob.ErrCorrupt), err == nil && info.Size != it.size:
					gone = append(gone, it)
				case err != nil:
					return err
				}
			}
			if len(gone) > 0 {
				return errBlobGone
			}
			for _, it := range items {
				if err := tx.PutFile(o.ix, store.Artifact{Path: it.path, Digest: it.digest, Size: it.size, Mode: it.mode}); err != nil {
					return err
				}
			}
			return nil
		})
		if !errors.Is(err, errBlobGone) {
			if err != nil {
				return logErr(o, items, err)
			}
			if slices.ContainsFunc(items, func(it *pending) bool { return it.pending }) {
				t.compressLater()
			}
			return nil
		}
		if attempt == putRetries {
			return logErr(o, items, fmt.Errorf("blob %s was deleted %d times before it could be indexed (a garbage collection with a short grace period running meanwhile?)", gone[0].digest, attempt+1))
		}
		for _, it := range gone {
			if it.oneShot {
				return logErr(o, items, fmt.Errorf("blob %s of %s was deleted by a garbage collection before it could be indexed and the source cannot be read again; log it again", it.digest, it.what))
			}
			if err := t.put(ctx, nil, it); err != nil {
				return logErr(o, items, err)
			}
		}
	}
}

var errBlobGone = errors.New("run: blob deleted before it was indexed")

// logErr describes a failed log of items to run id.
func logErr(o owner, items []*pending, err error) error {
	what := fmt.Sprintf("%q", items[0].path)
	if len(items) > 1 {
		what = fmt.Sprintf("%d files (%q, …)", len(items), items[0].path)
	}
	return fmt.Errorf("run: log artifact %s to %s: %w", what, o.ix, err)
}

// put stores one item's blob, in the batch b if not nil (then it is
// durable once b commits), else durably at once.
func (t *Tracker) put(ctx context.Context, b *blob.Batch, it *pending) error {
	if err := t.writable(); err != nil {
		return err
	}
	rc, mode, err := it.open()
	if err != nil {
		return err
	}
	var info blob.Info
	if b != nil {
		info, err = b.Put(ctx, rc)
	} else {
		info, err = t.blobs.Put(ctx, rc)
	}
	cerr := rc.Close()
	if err != nil {
		return fmt.Errorf("from %s: %w", it.what, err)
	}
	if cerr != nil {
		return fmt.Errorf("from %s: %w", it.what, cerr)
	}
	it.digest, it.size, it.mode, it.pending = info.Digest, info.Size, mode, info.Pending
	return nil
}

// errStop ends an iteration early.
var errStop = errors.New("stop")

// checkTargets checks that run id exists and takes writes, and that no
// item's path is a folder already or lies below a file.
func checkTargets(tx *store.Tx, o owner, items []*pending) error {
	if err := o.writable(tx); err != nil {
		return err
	}
	// Ancestors are shared by many items of a batch: look each up once.
	seen := map[string]bool{}
	for _, it := range items {
		for i := strings.IndexByte(it.path, '/'); i >= 0; i = nextSlash(it.path, i) {
			dir := it.path[:i]
			if seen[dir] {
				continue
			}
			seen[dir] = true
			if _, err := tx.File(o.ix, dir); err == nil {
				return fmt.Errorf("%q cannot be stored: %q is a file: %w", it.path, dir, store.ErrConflict)
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		if isDir, err := hasChildren(tx, o, it.path); err != nil {
			return err
		} else if isDir {
			return fmt.Errorf("%q cannot be stored: it is a folder of artifacts: %w", it.path, store.ErrConflict)
		}
	}
	return nil
}

func nextSlash(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// owner is an artifact tree: a run's or a logged model's.
type owner struct {
	ix store.Index
	// exists fails (store.ErrNotFound) if the owner does not exist;
	// writable also fails if it takes no writes.
	exists, writable func(tx *store.Tx) error
	// location returns the tree's artifact URI (see ArtifactFolder).
	location func(tx *store.Tx) (string, error)
}

// runOwner is run id's artifact tree.
func runOwner(id ID) owner {
	return owner{
		ix:       store.RunFiles(id),
		exists:   func(tx *store.Tx) error { _, err := tx.Run(id); return err },
		writable: func(tx *store.Tx) error { return writableRun(tx, id) },
		location: func(tx *store.Tx) (string, error) {
			r, err := tx.Run(id)
			if err != nil {
				return "", err
			}
			return r.ArtifactURI, nil
		},
	}
}

// writableRun checks that run id exists and is not deleted.
func writableRun(tx *store.Tx, id ID) error {
	r, err := tx.Run(id)
	if err != nil {
		return err
	}
	if r.Lifecycle == store.Deleted {
		return fmt.Errorf("run %s is deleted and takes no artifacts; restore it first: %w", id, store.ErrDeleted)
	}
	return nil
}

// hasChildren reports whether some artifact of run id lies below the
// folder dir.
func hasChildren(tx *store.Tx, o owner, dir string) (bool, error) {
	found := false
	err := tx.Files(o.ix, dir+"/", func(store.Artifact) error { found = true; return errStop })
	if err != nil && !errors.Is(err, errStop) {
		return false, err
	}
	return found, nil
}

// ListArtifacts lists run id's artifacts under the folder dir ("" or "/"
// for the root): MLflow's list_artifacts. Without recursive it lists one
// level, sub-folders as entries with IsDir; with recursive it lists every
// file below dir (and no folder entries). Paths are from the artifact root.
// Entries come in path order. A dir that names a file or nothing gives an
// empty list, as in MLflow; a run that does not exist, store.ErrNotFound.
func (t *Tracker) ListArtifacts(ctx context.Context, id ID, dir string, recursive bool) ([]FileInfo, error) {
	return t.listFiles(ctx, runOwner(id), dir, recursive)
}

// listFiles is ListArtifacts over any artifact tree.
func (t *Tracker) listFiles(ctx context.Context, o owner, dir string, recursive bool) ([]FileInfo, error) {
	d, err := cleanDir(dir)
	if err != nil {
		return nil, err
	}
	if dir, err := t.folder(ctx, o); err != nil || dir != "" {
		if err == nil {
			var files []FileInfo
			if files, err = listFolder(dir, d, recursive); err == nil {
				return files, nil
			}
		}
		return nil, fmt.Errorf("run: list artifacts %q of %s: %w", d, o.ix, err)
	}
	prefix := ""
	if d != "" {
		prefix = d + "/"
	}
	var out []FileInfo
	err = t.st.View(ctx, func(tx *store.Tx) error {
		out = out[:0]
		if err := o.exists(tx); err != nil {
			return err
		}
		lastDir := ""
		return tx.Files(o.ix, prefix, func(a store.Artifact) error {
			if !recursive {
				if i := strings.IndexByte(a.Path[len(prefix):], '/'); i >= 0 {
					sub := a.Path[:len(prefix)+i]
					if sub != lastDir {
						out = append(out, FileInfo{Path: sub, IsDir: true})
						lastDir = sub
					}
					return nil
				}
			}
			out = append(out, FileInfo{Path: a.Path, Size: a.Size, Digest: a.Digest})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("run: list artifacts %q of %s: %w", d, o.ix, err)
	}
	return out, nil
}

// lookup returns the index entry of the file p of run id, saying so when p
// is a folder.
func lookup(tx *store.Tx, o owner, p string) (store.Artifact, error) {
	if err := o.exists(tx); err != nil {
		return store.Artifact{}, err
	}
	a, err := tx.File(o.ix, p)
	if errors.Is(err, store.ErrNotFound) {
		if isDir, derr := hasChildren(tx, o, p); derr != nil {
			return a, derr
		} else if isDir {
			return a, fmt.Errorf("%q is a folder, not a file: %w", p, store.ErrInvalid)
		}
	}
	return a, err
}

// OpenArtifact returns a reader of the artifact file p of run id. The
// reader verifies the content against its digest as it streams: a blob
// damaged on disk makes a Read fail with an error wrapping blob.ErrCorrupt
// (at the latest instead of io.EOF), and the bytes read before it are not
// to be trusted. A missing blob fails with blob.ErrNotFound; an unknown
// run or path with store.ErrNotFound. The caller must Close the reader.
func (t *Tracker) OpenArtifact(ctx context.Context, id ID, p string) (io.ReadCloser, error) {
	return t.openFile(ctx, runOwner(id), p)
}

// openFile is OpenArtifact over any artifact tree.
func (t *Tracker) openFile(ctx context.Context, o owner, p string) (io.ReadCloser, error) {
	c, err := cleanFile(p)
	if err != nil {
		return nil, err
	}
	if dir, err := t.folder(ctx, o); err != nil || dir != "" {
		var rc io.ReadCloser
		if err == nil {
			if rc, err = openFolderFile(dir, c); err == nil {
				return rc, nil
			}
		}
		return nil, fmt.Errorf("run: open artifact %q of %s: %w", c, o.ix, err)
	}
	var a store.Artifact
	err = t.st.View(ctx, func(tx *store.Tx) (err error) { a, err = lookup(tx, o, c); return err })
	if err != nil {
		return nil, fmt.Errorf("run: open artifact %q of %s: %w", c, o.ix, err)
	}
	r, err := t.blobs.Open(ctx, a.Digest)
	if err != nil {
		return nil, fmt.Errorf("run: open artifact %q of %s: %w", c, o.ix, err)
	}
	return &artifactReader{r: r, owner: o.ix, path: c}, nil
}

// artifactReader names the artifact in the errors of the blob reader.
type artifactReader struct {
	r     io.ReadCloser
	owner store.Index
	path  string
}

func (a *artifactReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("run: read artifact %q of %s: %w", a.path, a.owner, err)
	}
	return n, err
}

func (a *artifactReader) Close() error { return a.r.Close() }

// WriteTo is the blob reader's: the content goes to w without a copy
// through a caller's buffer, and the last bytes of damaged content are
// never written (see WithholdsDamagedTail).
func (a *artifactReader) WriteTo(w io.Writer) (int64, error) {
	wt, ok := a.r.(io.WriterTo)
	if !ok {
		return io.Copy(w, onlyReader{a})
	}
	n, err := wt.WriteTo(w)
	if err != nil {
		err = fmt.Errorf("run: read artifact %q of %s: %w", a.path, a.owner, err)
	}
	return n, err
}

// WithholdsDamagedTail says that WriteTo never writes the last bytes of
// an artifact whose blob is damaged: it reports the damage instead.
func (a *artifactReader) WithholdsDamagedTail() {}

// DeleteArtifact removes the file or folder p (the whole tree for "" or
// "/") from run id's artifact index: what MLflow's artifact DELETE does. The
// blobs stay until GC finds nothing else refers to them. A path that names
// nothing is store.ErrNotFound; a deleted run refuses (store.ErrDeleted).
func (t *Tracker) DeleteArtifact(ctx context.Context, id ID, p string) error {
	return t.deleteFiles(ctx, runOwner(id), p)
}

// deleteFiles is DeleteArtifact over any artifact tree.
func (t *Tracker) deleteFiles(ctx context.Context, o owner, p string) error {
	c, err := cleanDir(p)
	if err != nil {
		return err
	}
	if dir, err := t.folder(ctx, o); err != nil || dir != "" {
		if err == nil {
			err = t.st.View(ctx, o.writable)
		}
		if err == nil {
			err = deleteFolder(dir, c)
		}
		if err != nil {
			return fmt.Errorf("run: delete artifact %q of %s: %w", c, o.ix, err)
		}
		return nil
	}
	err = t.st.Update(ctx, func(tx *store.Tx) error {
		if err := o.writable(tx); err != nil {
			return err
		}
		if c == "" {
			_, err := tx.DeleteFiles(o.ix, "")
			return err
		}
		n, err := tx.DeleteFiles(o.ix, c+"/")
		if err != nil {
			return err
		}
		if _, err := tx.File(o.ix, c); err == nil {
			// The index deletes by prefix: take out every path that
			// starts with c ("model", "model.pkl", …) and put back
			// those that are not c itself.
			var keep []store.Artifact
			if err := tx.Files(o.ix, c, func(a store.Artifact) error {
				if a.Path != c {
					keep = append(keep, a)
				}
				return nil
			}); err != nil {
				return err
			}
			if _, err := tx.DeleteFiles(o.ix, c); err != nil {
				return err
			}
			for _, a := range keep {
				if err := tx.PutFile(o.ix, a); err != nil {
					return err
				}
			}
			n++
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if n == 0 {
			return fmt.Errorf("no artifact %q: %w", c, store.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("run: delete artifact %q of %s: %w", c, o.ix, err)
	}
	return nil
}

// DownloadArtifacts copies the artifact file or folder p of run id ("" or
// "/" for the whole tree) into the local folder dstDir, keeping its path
// from the artifact root (file "plots/roc.png" lands in
// dstDir/plots/roc.png), and returns the local path of p: MLflow's
// download_artifacts. An empty dstDir means a new temporary folder.
//
// Each file is written to a temporary name in its destination folder,
// verified as it is copied, synced and renamed into place, so a file either
// appears whole and verified or not at all (a temporary file may be left
// behind by a crash). Existing files are replaced. Nothing is ever written
// outside dstDir, even through symbolic links inside it.
func (t *Tracker) DownloadArtifacts(ctx context.Context, id ID, p, dstDir string) (string, error) {
	return t.downloadFiles(ctx, runOwner(id), p, dstDir)
}

// downloadFiles is DownloadArtifacts over any artifact tree.
func (t *Tracker) downloadFiles(ctx context.Context, o owner, p, dstDir string) (string, error) {
	c, err := cleanDir(p)
	if err != nil {
		return "", err
	}
	if dir, err := t.folder(ctx, o); err != nil || dir != "" {
		if err == nil {
			dstDir, err = downloadFolder(ctx, dir, c, dstDir)
		}
		if err != nil {
			return "", fmt.Errorf("run: download artifacts %q of %s: %w", c, o.ix, err)
		}
		return filepath.Join(dstDir, filepath.FromSlash(c)), nil
	}
	var files []store.Artifact
	err = t.st.View(ctx, func(tx *store.Tx) error {
		files = files[:0]
		if err := o.exists(tx); err != nil {
			return err
		}
		if c != "" {
			a, err := tx.File(o.ix, c)
			if err == nil {
				files = append(files, a)
				return nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		prefix := ""
		if c != "" {
			prefix = c + "/"
		}
		if err := tx.Files(o.ix, prefix, func(a store.Artifact) error { files = append(files, a); return nil }); err != nil {
			return err
		}
		if c != "" && len(files) == 0 {
			return fmt.Errorf("no artifact %q: %w", c, store.ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("run: download artifacts %q of %s: %w", c, o.ix, err)
	}
	if dstDir, err = t.WriteFiles(ctx, dstDir, files); err != nil {
		return "", fmt.Errorf("run: download artifacts %q of %s: %w", c, o.ix, err)
	}
	return filepath.Join(dstDir, filepath.FromSlash(c)), nil
}

// WriteFiles writes files, index entries whose bytes are blobs of the
// tracker's blob folder, under dstDir at their paths, each atomically (a
// temporary file renamed into place), and returns dstDir. An empty dstDir
// is a new temporary directory. Paths cannot leave dstDir.
func (t *Tracker) WriteFiles(ctx context.Context, dstDir string, files []store.Artifact) (string, error) {
	root, dstDir, err := openDestination(dstDir)
	if err != nil {
		return "", fmt.Errorf("run: write files: %w", err)
	}
	defer root.Close()
	for _, a := range files {
		if err := t.download(ctx, root, a); err != nil {
			return "", fmt.Errorf("run: write %q to %s: %w", a.Path, dstDir, err)
		}
	}
	return dstDir, nil
}

// openDestination creates the folder dstDir (a new temporary folder if it
// is empty) and opens it as a root; it returns the root and the folder.
func openDestination(dstDir string) (*os.Root, string, error) {
	if dstDir == "" {
		var err error
		if dstDir, err = os.MkdirTemp("", "mlite-artifacts-"); err != nil {
			return nil, "", err
		}
	} else if err := os.MkdirAll(dstDir, 0o755); err != nil {
		return nil, "", err
	}
	root, err := os.OpenRoot(dstDir)
	return root, dstDir, err
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// download writes artifact a under root, atomically.
func (t *Tracker) download(ctx context.Context, root *os.Root, a store.Artifact) error {
	r, err := t.blobs.Open(ctx, a.Digest)
	if err != nil {
		return err
	}
	defer r.Close()
	return writeAtomic(root, a.Path, a.Mode, r, a.Size)
}

// writeAtomic writes what r yields as the file p (a canonical artifact
// path) under root: to a temporary name in its folder, synced, then
// renamed into place, so the file appears whole or not at all. An
// executable mode gives 0755, any other 0644. A size of -1 is not
// checked; another is the length r must have (blob.ErrCorrupt if not).
func writeAtomic(root *os.Root, p string, mode uint32, r io.Reader, size int64) error {
	local := filepath.FromSlash(p)
	dir := filepath.Dir(local)
	if dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := filepath.Join(dir, ".mlite-download-"+hex.EncodeToString(rnd[:])+".tmp")
	perm := os.FileMode(0o644)
	if mode&0o111 != 0 {
		perm = 0o755
	}
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			f.Close()
			_ = root.Remove(tmp)
		}
	}()
	n, err := copyTo(f, r)
	if err != nil {
		return err
	}
	if size >= 0 && n != size {
		return fmt.Errorf("content is %d bytes, the index says %d: %w", n, size, blob.ErrCorrupt)
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := root.Rename(tmp, local); err != nil {
		_ = root.Remove(tmp)
		committed = true
		return err
	}
	committed = true
	return nil
}

// copyTo copies r to the file f. A reader that writes itself does: a
// blob's reader hands its verified chunks to f as they are (a large write
// each, no copy), a local file has the kernel copy it. Any other reader
// goes through a buffer of ours (f's ReadFrom would use small ones).
func copyTo(f *os.File, r io.Reader) (int64, error) {
	if wt, ok := r.(io.WriterTo); ok {
		return wt.WriteTo(f)
	}
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	return io.CopyBuffer(onlyWriter{f}, r, *buf)
}

// onlyWriter hides a writer's ReadFrom so that io.CopyBuffer uses our
// buffer.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// onlyReader hides a reader's WriteTo so that io.CopyBuffer uses our buffer.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// Handle versions: the same, for the run a training loop holds. They
// refuse once the handle has ended the run (ErrEnded), as its other
// logging calls do.

// LogArtifact stores the local file localPath in the run's folder
// artifactDir. See Tracker.LogArtifact.
func (r *Run) LogArtifact(ctx context.Context, localPath, artifactDir string) error {
	if err := r.open(); err != nil {
		return err
	}
	return r.t.LogArtifact(ctx, r.id, localPath, artifactDir)
}

// LogArtifacts stores every file under localDir in the run's folder
// artifactDir. See Tracker.LogArtifacts.
func (r *Run) LogArtifacts(ctx context.Context, localDir, artifactDir string) error {
	if err := r.open(); err != nil {
		return err
	}
	return r.t.LogArtifacts(ctx, r.id, localDir, artifactDir)
}

// LogBytes stores data as the run's artifact artifactFile. See
// Tracker.LogBytes.
func (r *Run) LogBytes(ctx context.Context, data []byte, artifactFile string) error {
	if err := r.open(); err != nil {
		return err
	}
	return r.t.LogBytes(ctx, r.id, data, artifactFile)
}

// LogReader stores what rd yields as the run's artifact artifactFile. See
// Tracker.LogReader.
func (r *Run) LogReader(ctx context.Context, rd io.Reader, artifactFile string) error {
	if err := r.open(); err != nil {
		return err
	}
	return r.t.LogReader(ctx, r.id, rd, artifactFile)
}

// LogText stores text as the run's artifact artifactFile: MLflow's
// log_text. See Tracker.LogText.
func (r *Run) LogText(ctx context.Context, text, artifactFile string) error {
	if err := r.open(); err != nil {
		return err
	}
	return r.t.LogText(ctx, r.id, text, artifactFile)
}

// LogDict stores v as indented JSON in the run's artifact artifactFile:
// MLflow's log_dict. See Tracker.LogDict.
func (r *Run) LogDict(ctx context.Context, v any, artifactFile string) error {
	if err := r.open(); err != nil {
		return err
	}
	return r.t.LogDict(ctx, r.id, v, artifactFile)
}

// LogImage stores img as a PNG in the run's artifact artifactFile:
// MLflow's log_image. See Tracker.LogImage.
func (r *Run) LogImage(ctx context.Context, img image.Image, artifactFile string) error {
	if err := r.open(); err != nil {
		return err
	}
	return r.t.LogImage(ctx, r.id, img, artifactFile)
}

// Artifact trees kept in a local folder outside the store (an experiment
// created with a local artifact location; see location.go). The tracker's
// artifact calls take the same paths and give the same answers as for a
// tree in the store, with these differences: entries carry no digest, the
// folder is read as it is (files the client wrote there appear, nothing is
// verified), a file is written to a temporary name and renamed into place,
// and deletes remove the files themselves. Every path stays inside the
// folder (os.Root), symbolic links included.

// folder returns o's local artifact folder: "" when its artifacts are in
// the store, an error wrapping ErrRemoteArtifacts when they are remote.
func (t *Tracker) folder(ctx context.Context, o owner) (string, error) {
	var loc string
	err := t.st.View(ctx, func(tx *store.Tx) (err error) { loc, err = o.location(tx); return err })
	if err != nil {
		return "", fmt.Errorf("run: artifacts of %s: %w", o.ix, err)
	}
	dir, err := ArtifactFolder(loc)
	if err != nil {
		return "", fmt.Errorf("run: artifacts of %s: %w", o.ix, err)
	}
	return dir, nil
}

// folderErr maps the file system's errors to the store's sentinels.
func folderErr(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %w", err, store.ErrNotFound)
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("%w: %w", err, store.ErrConflict)
	}
	return err
}

// isTemp reports whether name is one of the temporary files writeAtomic
// leaves behind when it is stopped half way.
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".mlite-") && strings.HasSuffix(name, ".tmp")
}

// openFolder opens the folder dir as a root; a folder that does not exist
// yet is (nil, nil): an empty tree.
func openFolder(dir string) (*os.Root, error) {
	root, err := os.OpenRoot(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return root, err
}

// listFolder is listFiles over the folder dir: d is a canonical folder path
// ("" for the root).
func listFolder(dir, d string, recursive bool) ([]FileInfo, error) {
	root, err := openFolder(dir)
	if root == nil || err != nil {
		return nil, err
	}
	defer root.Close()
	start := "."
	if d != "" {
		start = filepath.FromSlash(d)
		fi, err := root.Stat(start)
		if errors.Is(err, fs.ErrNotExist) || err == nil && !fi.IsDir() {
			return nil, nil // nothing or a file: an empty listing, as MLflow
		}
		if err != nil {
			return nil, err
		}
	}
	var out []FileInfo
	err = fs.WalkDir(root.FS(), filepath.ToSlash(start), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == filepath.ToSlash(start) || isTemp(e.Name()) {
			return nil
		}
		if e.IsDir() {
			if !recursive {
				out = append(out, FileInfo{Path: p, IsDir: true})
				return fs.SkipDir
			}
			return nil
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		out = append(out, FileInfo{Path: p, Size: fi.Size(), ModTime: fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, folderErr(err)
	}
	// The store's order: by path, byte by byte ("a.txt" before "a/b").
	slices.SortFunc(out, func(a, b FileInfo) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// statFolderFile returns the entry of the file p (canonical) of the folder
// dir, saying so when p is a folder.
func statFolderFile(dir, p string) (File, error) {
	root, err := openFolder(dir)
	if err != nil {
		return File{}, err
	}
	if root == nil {
		return File{}, fmt.Errorf("no artifact %q: %w", p, store.ErrNotFound)
	}
	defer root.Close()
	fi, err := root.Stat(filepath.FromSlash(p))
	if err != nil {
		return File{}, folderErr(err)
	}
	if fi.IsDir() {
		return File{}, fmt.Errorf("%q is a folder, not a file: %w", p, store.ErrInvalid)
	}
	return File{Path: p, Size: fi.Size(), Mode: uint32(fi.Mode().Perm())}, nil
}

// openFolderFile opens the file p (canonical) of the folder dir.
func openFolderFile(dir, p string) (io.ReadCloser, error) {
	if _, err := statFolderFile(dir, p); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, folderErr(err)
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(p))
	if err != nil {
		return nil, folderErr(err)
	}
	return f, nil
}

// writeFolder writes the items into the folder dir, creating it, each
// file atomically.
func writeFolder(ctx context.Context, dir string, items []*pending) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		rc, mode, err := it.open()
		if err != nil {
			return fmt.Errorf("%s: %w", it.what, err)
		}
		err = writeAtomic(root, it.path, mode, rc, -1)
		rc.Close()
		if err != nil {
			return fmt.Errorf("write %q: %w", it.path, folderErr(err))
		}
	}
	return nil
}

// deleteFolder removes the file or folder c (canonical; "" for every
// file) from the folder dir.
func deleteFolder(dir, c string) error {
	root, err := openFolder(dir)
	if err != nil || root == nil && c == "" {
		return err
	}
	if root == nil {
		return fmt.Errorf("no artifact %q: %w", c, store.ErrNotFound)
	}
	defer root.Close()
	if c != "" {
		if _, err := root.Lstat(filepath.FromSlash(c)); err != nil {
			return folderErr(err)
		}
		return root.RemoveAll(filepath.FromSlash(c))
	}
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := root.RemoveAll(e.Name()); err != nil {
			return err
		}
	}
	return nil
}

// folderFiles returns the files of the folder dir that downloading c
// (canonical; "" for the whole tree) copies: c itself if it is a file,
// else every file below it.
func folderFiles(dir, c string) ([]FileInfo, error) {
	if c != "" {
		if a, err := statFolderFile(dir, c); err == nil {
			return []FileInfo{{Path: a.Path, Size: a.Size}}, nil
		} else if !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalid) {
			return nil, err
		}
	}
	files, err := listFolder(dir, c, true)
	if err != nil {
		return nil, err
	}
	if c != "" && len(files) == 0 {
		return nil, fmt.Errorf("no artifact %q: %w", c, store.ErrNotFound)
	}
	return files, nil
}

// downloadFolder copies the files of the folder dir that c names into
// dstDir (a new temporary folder if empty), as downloadFiles does, and
// returns dstDir.
func downloadFolder(ctx context.Context, dir, c, dstDir string) (string, error) {
	files, err := folderFiles(dir, c)
	if err != nil {
		return "", err
	}
	dst, dstDir, err := openDestination(dstDir)
	if err != nil {
		return "", err
	}
	defer dst.Close()
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		rc, err := openFolderFile(dir, f.Path)
		if err != nil {
			return "", err
		}
		mode := uint32(0o644)
		if st, err := rc.(*os.File).Stat(); err == nil {
			mode = uint32(st.Mode().Perm())
		}
		err = writeAtomic(dst, f.Path, mode, rc, f.Size)
		rc.Close()
		if err != nil {
			return "", fmt.Errorf("write %q to %s: %w", f.Path, dstDir, err)
		}
	}
	return dstDir, nil
}
