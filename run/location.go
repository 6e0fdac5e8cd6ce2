package run

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/mlite/mlite/store"
)

// Artifact locations. An experiment's artifacts live in the store by
// default (mlflow-artifacts:/<experiment id>, the blob folder beside the
// store file). An experiment created with another location (MLflow's
// artifact_location: a local folder, a file:// URI, s3://, gs://, ...)
// keeps its runs' artifacts at <location>/<run id>/artifacts and its
// logged models' at <location>/models/<model id>/artifacts, outside the
// store: the mlflow client writes them there itself. The tracking API
// reads and writes a local folder directly; a remote location is
// recorded and reported, and every artifact call on it fails with
// ErrRemoteArtifacts. GC never touches an external folder.

// ErrRemoteArtifacts is wrapped by the errors of artifact calls on a run or
// logged model whose artifacts live at a remote URI (s3://, gs://, ...):
// mlite records the location, and the mlflow client reads and writes it,
// but mlite itself does not reach it.
var ErrRemoteArtifacts = errors.New("artifacts at a remote location, which mlite does not reach")

// MaxArtifactLocation is the longest artifact location an experiment takes,
// in characters (MLflow's default MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH).
const MaxArtifactLocation = 2048

// ResolveArtifactLocation checks an experiment's artifact location and
// returns it as it is recorded: a relative local path is made absolute
// against the working folder (a file: URI keeps its scheme), as MLflow's
// store does; anything else is kept as given. Refused, with an error
// wrapping store.ErrInvalid: an empty location, one with control
// characters or ".." segments, a file: URI naming another host, a
// location under mlflow-artifacts: (the store's own namespace) and one
// longer than MaxArtifactLocation once resolved.
func ResolveArtifactLocation(loc string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("run: artifact location %q: %s: %w", truncate(loc, 200), why, store.ErrInvalid)
	}
	switch {
	case loc == "":
		return bad("empty")
	case strings.ContainsFunc(loc, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return bad("control characters")
	}
	scheme, rest := uriScheme(loc)
	switch scheme {
	case "":
		if hasDotDot(loc) {
			return bad(`".." segments are not allowed`)
		}
		abs, err := filepath.Abs(loc)
		if err != nil {
			return bad(err.Error())
		}
		loc = filepath.ToSlash(abs)
	case "file":
		p, err := fileURIPath(loc, rest)
		if err != nil {
			return bad(err.Error())
		}
		if hasDotDot(p) {
			return bad(`".." segments are not allowed`)
		}
		if !strings.HasPrefix(p, "/") {
			abs, err := filepath.Abs(p)
			if err != nil {
				return bad(err.Error())
			}
			loc = "file://" + (&url.URL{Path: filepath.ToSlash(abs)}).EscapedPath()
		}
	case "mlflow-artifacts":
		return bad("mlflow-artifacts: is the store's own namespace; leave the location out to keep artifacts in the store")
	}
	if utf8.RuneCountInString(loc) > MaxArtifactLocation {
		return bad(fmt.Sprintf("longer than %d characters", MaxArtifactLocation))
	}
	return loc, nil
}

// ArtifactFolder returns the local folder an artifact URI names: "" for
// the store's own (mlflow-artifacts:/...), the path of an absolute local
// path or file:// URI. Any other URI is an error wrapping
// ErrRemoteArtifacts that names it; a relative path or a file: URI with
// ".." segments, one wrapping store.ErrInvalid.
func ArtifactFolder(uri string) (string, error) {
	scheme, rest := uriScheme(uri)
	var p string
	switch scheme {
	case "mlflow-artifacts":
		return "", nil
	case "":
		p = uri
	case "file":
		var err error
		if p, err = fileURIPath(uri, rest); err != nil {
			return "", fmt.Errorf("run: artifact location %q: %w: %w", uri, err, store.ErrInvalid)
		}
	default:
		return "", fmt.Errorf("run: artifacts at %s: %w", uri, ErrRemoteArtifacts)
	}
	if !filepath.IsAbs(filepath.FromSlash(p)) || hasDotDot(p) {
		return "", fmt.Errorf("run: artifact location %q is not an absolute local path: %w", uri, store.ErrInvalid)
	}
	return filepath.Clean(filepath.FromSlash(p)), nil
}

// IsLocalURI reports whether uri names the local file system, as MLflow's
// is_local_uri: a path without a scheme, or a file: URI whose host is
// empty, ".", localhost... or 127.0.0.1.... A file: URI naming another host
// is an error wrapping store.ErrInvalid.
func IsLocalURI(uri string) (bool, error) {
	scheme, rest := uriScheme(uri)
	switch scheme {
	case "":
		return true, nil
	case "file":
		_, err := fileURIPath(uri, rest)
		return err == nil, err
	}
	return false, nil
}

// LocalPath returns the local path a local URI (see IsLocalURI) names:
// the path itself, or a file: URI's path, percent-decoded.
func LocalPath(uri string) string {
	scheme, rest := uriScheme(uri)
	if scheme != "file" {
		return uri
	}
	p, _ := fileURIPath(uri, rest)
	return p
}

// appendURIPath appends elem to the path of an artifact location, before
// its query string if it has one, with one slash between them.
func appendURIPath(uri string, elem ...string) string {
	base, query, hasQuery := strings.Cut(uri, "?")
	if scheme, _ := uriScheme(uri); scheme == "" {
		base, query, hasQuery = uri, "", false
	}
	base = strings.TrimRight(base, "/")
	for _, e := range elem {
		base += "/" + e
	}
	if hasQuery {
		base += "?" + query
	}
	return base
}

// uriScheme splits uri into its lower-cased scheme and the rest after the
// colon; a URI without one (a local path) has scheme "". A one-letter
// scheme is a Windows drive, not a scheme.
func uriScheme(uri string) (string, string) {
	i := strings.IndexByte(uri, ':')
	if i < 2 {
		return "", uri
	}
	for j, c := range uri[:i] {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return "", uri
		}
	}
	return strings.ToLower(uri[:i]), uri[i+1:]
}

// fileURIPath returns the percent-decoded path of a file: URI (rest is what
// follows "file:"), refusing a host other than the local one, as MLflow's
// is_local_uri does.
func fileURIPath(uri, rest string) (string, error) {
	if r, ok := strings.CutPrefix(rest, "//"); ok {
		host := r
		if i := strings.IndexAny(r, "/?#"); i >= 0 {
			host, r = r[:i], r[i:]
		} else {
			r = ""
		}
		if h := strings.ToLower(hostName(host)); h != "" && h != "." && !strings.HasPrefix(h, "localhost") && !strings.HasPrefix(h, "127.0.0.1") {
			return "", fmt.Errorf("file URI %q names host %q, not this machine", uri, host)
		}
		rest = r
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	p, err := url.PathUnescape(rest)
	if err != nil {
		return "", fmt.Errorf("bad percent-encoding in %q", uri)
	}
	if strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("NUL in the path of %q", uri)
	}
	return p, nil
}

// hostName is the host of a URI's authority: without user info and port.
func hostName(authority string) string {
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	if strings.HasPrefix(authority, "[") {
		if i := strings.IndexByte(authority, ']'); i >= 0 {
			return authority[1:i]
		}
	}
	if i := strings.LastIndexByte(authority, ':'); i >= 0 {
		authority = authority[:i]
	}
	return authority
}

// hasDotDot reports whether path p has a ".." segment (either separator).
func hasDotDot(p string) bool {
	for _, seg := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." {
			return true
		}
	}
	return false
}

// truncate shortens s to at most n bytes for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// LocalSourceIn resolves the local source (a path or file: URI; see
// IsLocalURI) as MLflow resolves a model version's local source (absolute
// against the working folder, ".." and symbolic links resolved) and
// reports whether it lies inside the local artifact folder artifactURI
// names (never, if that is not local). It returns the resolved path.
func LocalSourceIn(source, artifactURI string) (string, bool) {
	src := resolvePath(LocalPath(source))
	if local, err := IsLocalURI(artifactURI); err != nil || !local {
		return src, false
	}
	dir := resolvePath(LocalPath(artifactURI))
	rel, err := filepath.Rel(dir, src)
	return src, err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolvePath makes p absolute and clean, following symbolic links as far
// as the path exists.
func resolvePath(p string) string {
	abs, err := filepath.Abs(filepath.FromSlash(p))
	if err != nil {
		return filepath.Clean(p)
	}
	rest := ""
	for cur := abs; ; {
		if r, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return abs
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}
