package repro

import (
	"bufio"
	"bytes"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/mlite/mlite/internal/capread"
)

// Caps on what is read from a git directory: it may be damaged or hostile,
// and Capture must stay fast.
const (
	maxSmallFile    = 4 << 10  // HEAD, a loose ref, commondir, a .git file
	maxConfigFile   = 1 << 20  // config
	maxPackedRefs   = 16 << 20 // bytes of packed-refs scanned for one ref
	maxSymrefDepth  = 5        // symbolic refs followed from HEAD
	maxWalkUpLevels = 256      // directories climbed looking for .git
)

// gitInfo is what Capture learns from a git directory without running git.
type gitInfo struct {
	commit  string // full hex object name; "" when unknown
	branch  string // short branch name; "" when detached or unknown
	repoURL string // remote "origin" url, credentials removed; "" when unknown
}

// readGit finds the git directory of the work tree that contains dir and
// reads HEAD, the ref it names and the origin url. found is false when there
// is no .git at dir or above it.
func readGit(dir string) (info gitInfo, found bool) {
	gitDir, ok := findGitDir(dir)
	if !ok {
		return gitInfo{}, false
	}
	commonDir := readCommonDir(gitDir)
	head, err := capread.ReadFile(filepath.Join(gitDir, "HEAD"), maxSmallFile)
	if err == nil {
		info.commit, info.branch = resolveHead(gitDir, commonDir, head)
	}
	if cfg, err := capread.ReadFile(filepath.Join(commonDir, "config"), maxConfigFile); err == nil {
		info.repoURL = cleanRemoteURL(remoteURL(cfg, "origin"))
	}
	return info, true
}

// findGitDir climbs from dir looking for ".git": a directory is the git
// directory; a file holds "gitdir: <path>" (linked work trees, submodules),
// the path being relative to the file's directory.
func findGitDir(dir string) (string, bool) {
	for range maxWalkUpLevels {
		p := filepath.Join(dir, ".git")
		if fi, err := os.Stat(p); err == nil {
			if fi.IsDir() {
				return p, true
			}
			return gitDirFromFile(p)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", false
}

func gitDirFromFile(p string) (string, bool) {
	b, err := capread.ReadFile(p, maxSmallFile)
	if err != nil {
		return "", false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	target, ok := strings.CutPrefix(strings.TrimSpace(line), "gitdir:")
	target = strings.TrimSpace(target)
	if !ok || target == "" || strings.ContainsRune(target, 0) {
		return "", false
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(p), target)
	}
	return filepath.Clean(target), true
}

// readCommonDir returns the directory that holds the refs, packed-refs and
// config shared by all work trees: the one named by gitDir/commondir (a
// linked work tree), else gitDir itself.
func readCommonDir(gitDir string) string {
	b, err := capread.ReadFile(filepath.Join(gitDir, "commondir"), maxSmallFile)
	if err != nil {
		return gitDir
	}
	c := strings.TrimSpace(string(b))
	if c == "" || strings.ContainsAny(c, "\x00\n") {
		return gitDir
	}
	if !filepath.IsAbs(c) {
		c = filepath.Join(gitDir, c)
	}
	return filepath.Clean(c)
}

// resolveHead turns HEAD's content into the commit it names and, when HEAD
// is on a branch, the branch's short name. A branch with no commit yet gives
// a branch and no commit.
func resolveHead(gitDir, commonDir string, head []byte) (commit, branch string) {
	s := strings.TrimSpace(string(head))
	if isHash(s) {
		return s, "" // detached
	}
	ref, ok := strings.CutPrefix(s, "ref:")
	if !ok {
		return "", ""
	}
	ref = strings.TrimSpace(ref)
	if !validRefName(ref) {
		return "", ""
	}
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		branch = b
	}
	return resolveRef(gitDir, commonDir, ref, 0), branch
}

// resolveRef returns the object name ref points at, following symbolic
// refs, looking in the loose ref files and then in packed-refs; "" when it
// cannot.
func resolveRef(gitDir, commonDir, ref string, depth int) string {
	if depth > maxSymrefDepth || !validRefName(ref) {
		return ""
	}
	dirs := []string{gitDir}
	if commonDir != gitDir {
		dirs = append(dirs, commonDir)
	}
	for _, d := range dirs {
		b, err := capread.ReadFile(filepath.Join(d, filepath.FromSlash(ref)), maxSmallFile)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(b))
		if isHash(s) {
			return s
		}
		if target, ok := strings.CutPrefix(s, "ref:"); ok {
			return resolveRef(gitDir, commonDir, strings.TrimSpace(target), depth+1)
		}
		return "" // a loose ref file that is neither: damaged
	}
	return packedRef(filepath.Join(commonDir, "packed-refs"), ref)
}

// packedRef looks ref up in a packed-refs file: lines "<hash> <refname>",
// comments starting with '#', peeled lines starting with '^'. A file whose
// header says "sorted" is scanned only up to where ref would be.
func packedRef(path, ref string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxPackedRefs))
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	sorted := false
	for first := true; sc.Scan(); first = false {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '^' {
			continue
		}
		if line[0] == '#' {
			if first && bytes.Contains(line, []byte(" sorted")) {
				sorted = true
			}
			continue
		}
		hash, name, ok := bytes.Cut(line, []byte{' '})
		if !ok {
			continue
		}
		name = bytes.TrimRight(name, "\r")
		switch c := strings.Compare(string(name), ref); {
		case c == 0:
			if h := string(hash); isHash(h) {
				return h
			}
			return ""
		case c > 0 && sorted:
			return ""
		}
	}
	return ""
}

// isHash reports whether s is a full object name: 40 (SHA-1) or 64
// (SHA-256) lowercase hex digits.
func isHash(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// validRefName reports whether ref is a ref name that is safe to turn into
// a path under the git directory: "refs/…", components not empty and not
// starting with '.', no "..", no control characters or the characters git
// forbids, not ending in ".lock". (A reftable repository's HEAD names
// "refs/heads/.invalid", which this rejects: its refs cannot be read as
// files.)
func validRefName(ref string) bool {
	if !strings.HasPrefix(ref, "refs/") || len(ref) > 1024 || strings.HasSuffix(ref, ".lock") {
		return false
	}
	for _, comp := range strings.Split(ref, "/") {
		if comp == "" || comp[0] == '.' {
			return false
		}
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte(" ~^:?*[\\", c) >= 0 {
			return false
		}
	}
	return !strings.Contains(ref, "..") && !strings.Contains(ref, "@{")
}

// remoteURL returns the first url of remote name in a git config file, or
// "". It reads the subset of git's config syntax that holds remotes:
// [section "subsection"] headers (also the old [section.subsection]), key =
// value lines, '#' and ';' comments, double quotes and backslash escapes,
// and lines continued with a trailing backslash. Includes are not followed.
func remoteURL(config []byte, name string) string {
	inRemote := false
	lines := strings.Split(string(config), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(strings.TrimSuffix(lines[i], "\r"))
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			inRemote = isRemoteSection(line, name)
			// A header may be followed by a key on the same line.
			end := closingBracket(line)
			if end < 0 {
				continue
			}
			line = strings.TrimSpace(line[end+1:])
			if line == "" || line[0] == '#' || line[0] == ';' {
				continue
			}
		}
		if !inRemote {
			continue
		}
		key, value, hasValue := strings.Cut(line, "=")
		if !strings.EqualFold(strings.TrimSpace(key), "url") || !hasValue {
			continue
		}
		// Join continuation lines.
		for strings.HasSuffix(value, "\\") && !strings.HasSuffix(value, "\\\\") && i+1 < len(lines) {
			i++
			value = value[:len(value)-1] + strings.TrimSuffix(lines[i], "\r")
		}
		return parseConfigValue(value)
	}
	return ""
}

// closingBracket returns the index of the ']' closing a section header,
// skipping a quoted subsection; -1 when there is none.
func closingBracket(line string) int {
	inQuote := false
	for i := 1; i < len(line); i++ {
		switch c := line[i]; {
		case c == '\\' && inQuote:
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ']' && !inQuote:
			return i
		}
	}
	return -1
}

// isRemoteSection reports whether a header line opens [remote "name"]
// (section names are case-insensitive, subsection names are not) or the
// old form [remote.name] (both case-insensitive).
func isRemoteSection(line, name string) bool {
	end := closingBracket(line)
	if end < 0 {
		return false
	}
	h := strings.TrimSpace(line[1:end])
	section, sub, hasSub := strings.Cut(h, " ")
	if !hasSub {
		s, n, ok := strings.Cut(h, ".")
		return ok && strings.EqualFold(s, "remote") && strings.EqualFold(n, name)
	}
	if !strings.EqualFold(section, "remote") {
		return false
	}
	sub = strings.TrimSpace(sub)
	if len(sub) < 2 || sub[0] != '"' || sub[len(sub)-1] != '"' {
		return false
	}
	var b strings.Builder
	for i := 1; i < len(sub)-1; i++ {
		if sub[i] == '\\' && i+1 < len(sub)-1 {
			i++
		}
		b.WriteByte(sub[i])
	}
	return b.String() == name
}

// parseConfigValue undoes git's value syntax: surrounding whitespace,
// double quotes, the escapes \" \\ \n \t \b, and a trailing comment.
func parseConfigValue(v string) string {
	var b strings.Builder
	inQuote := false
	v = strings.TrimSpace(v)
	pendingSpace := ""
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c == '"':
			inQuote = !inQuote
			continue
		case c == '\\' && i+1 < len(v):
			i++
			switch v[i] {
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			default:
				c = v[i]
			}
		case (c == '#' || c == ';') && !inQuote:
			return b.String()
		case (c == ' ' || c == '\t') && !inQuote:
			pendingSpace += string(c) // kept only if more value follows
			continue
		}
		b.WriteString(pendingSpace)
		pendingSpace = ""
		b.WriteByte(c)
	}
	return b.String()
}

// cleanRemoteURL removes credentials from a remote url: the whole user
// information of an http(s) or other URL (a token is often put in the user
// name), the password only of an ssh URL. scp-like "user@host:path" stays as
// it is: it carries no secret.
func cleanRemoteURL(raw string) string {
	if raw == "" || !strings.Contains(raw, "://") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil {
			// Unparseable but may still hold "scheme://user:pass@host":
			// cut everything between "://" and the last '@' before the path.
			scheme, rest, _ := strings.Cut(raw, "://")
			hostEnd := strings.IndexAny(rest, "/?#")
			if hostEnd < 0 {
				hostEnd = len(rest)
			}
			if at := strings.LastIndexByte(rest[:hostEnd], '@'); at >= 0 {
				return scheme + "://" + rest[at+1:]
			}
		}
		return raw
	}
	switch strings.ToLower(u.Scheme) {
	case "ssh", "git+ssh", "ssh+git":
		u.User = url.User(u.User.Username())
	default:
		u.User = nil
	}
	return u.String()
}
