package artpath

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalid reports a path that is not a valid artifact path.
var ErrInvalid = errors.New("invalid artifact path")

// Limits on a path's length, which also keep it storable on common file
// systems when artifacts are downloaded.
const (
	MaxLen        = 4096 // bytes in a whole path
	MaxSegmentLen = 255  // bytes in one segment
)

// Clean validates p and returns its canonical form. It accepts "./" and
// repeated or trailing slashes and ".." segments that stay inside the tree
// ("a/../b" is "b"), and refuses, with an error wrapping ErrInvalid:
//
//   - the empty path and paths naming the root ("", ".", "a/..");
//   - absolute paths ("/x", "//server/x") and Windows drive paths ("C:x");
//   - any backslash ("a\..\b", `\\server`), which Windows reads as a
//     separator and other systems do not;
//   - ".." climbing out of the tree ("../x", "a/../../x");
//   - NUL and other control characters, and invalid UTF-8;
//   - paths longer than MaxLen or with a segment longer than MaxSegmentLen.
func Clean(p string) (string, error) {
	if p == "" {
		return "", invalid(p, "empty path")
	}
	c, err := clean(p)
	if err != nil {
		return "", err
	}
	if c == "" {
		return "", invalid(p, "names the artifact root, not a file")
	}
	return c, nil
}

// CleanDir is Clean for a folder, which may be the root: "", "." and "/"
// are accepted (as are paths that come back to the root, like "a/..") and
// return "". Note that "/" is the root here, not an absolute path, since
// the MLflow API lists the root that way; "/x" is still refused.
func CleanDir(p string) (string, error) {
	if p == "/" {
		return "", nil
	}
	return clean(p)
}

// Join returns the canonical path of name inside the folder dir. dir is
// cleaned as by CleanDir, and name must be non-empty and relative and
// must not climb out of dir: Join("plots", "../x") is refused even though
// "x" is inside the tree.
func Join(dir, name string) (string, error) {
	d, err := CleanDir(dir)
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", invalid(name, "empty name")
	}
	if name[0] == '/' {
		return "", invalid(name, "name is absolute")
	}
	if d == "" {
		return Clean(name)
	}
	p, err := Clean(d + "/" + name)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(p, d+"/") {
		return "", invalid(name, fmt.Sprintf("climbs out of folder %q", d))
	}
	return p, nil
}

// clean validates p and returns its canonical form, "" for the root.
func clean(p string) (string, error) {
	if len(p) > MaxLen {
		return "", invalid(p, fmt.Sprintf("longer than %d bytes", MaxLen))
	}
	for i, r := range p {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(p[i:], "\uFFFD"):
			return "", invalid(p, fmt.Sprintf("invalid UTF-8 at byte %d", i))
		case r == 0:
			return "", invalid(p, fmt.Sprintf("NUL byte at byte %d", i))
		case unicode.IsControl(r):
			return "", invalid(p, fmt.Sprintf("control character %U at byte %d", r, i))
		case r == '\\':
			return "", invalid(p, fmt.Sprintf("backslash at byte %d (use forward slashes)", i))
		}
	}
	if strings.HasPrefix(p, "/") {
		return "", invalid(p, "absolute path")
	}
	segs := make([]string, 0, strings.Count(p, "/")+1)
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(segs) == 0 {
				return "", invalid(p, "climbs out of the artifact root")
			}
			segs = segs[:len(segs)-1]
		default:
			if len(seg) > MaxSegmentLen {
				return "", invalid(p, fmt.Sprintf("a segment is longer than %d bytes", MaxSegmentLen))
			}
			segs = append(segs, seg)
		}
	}
	if len(segs) > 0 && isDrive(segs[0]) {
		return "", invalid(p, "Windows drive path")
	}
	return strings.Join(segs, "/"), nil
}

// isDrive reports whether seg starts like a Windows drive ("C:"), which
// Windows reads as absolute ("C:/x") or drive-relative ("C:x").
func isDrive(seg string) bool {
	return len(seg) >= 2 && seg[1] == ':' && isASCIILetter(seg[0])
}

func isASCIILetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// invalid returns an error wrapping ErrInvalid that names p and the reason.
func invalid(p, reason string) error {
	const max = 100
	q := fmt.Sprintf("%q", p)
	if len(p) > max {
		q = fmt.Sprintf("%q…", p[:max])
	}
	return fmt.Errorf("artpath: %s: %s: %w", q, reason, ErrInvalid)
}
