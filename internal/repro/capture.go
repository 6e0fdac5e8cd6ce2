package repro

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Options say where and for whom Capture looks. A nil *Options is the zero
// Options: every field takes its default.
type Options struct {
	// Dir is the directory whose git work tree is recorded. Zero: the
	// working directory (os.Getwd).
	Dir string
	// User is recorded as mlflow.user. Zero: the first of the environment
	// variables LOGNAME, USER, LNAME and USERNAME that is set (the order of
	// Python's getpass.getuser, which MLflow uses), else the account from
	// os/user, else "unknown".
	User string
	// Args is the command line: Args[0] becomes mlflow.source.name, all of
	// it mlite.cmdline. Nil: os.Args.
	Args []string
	// NoGit leaves out the git tags without looking for a git directory.
	NoGit bool
}

// Capture returns the tags to set at run start. It costs about a tenth of a
// millisecond (well under 5 ms: see BenchmarkCapture) and never fails:
// anything it cannot find is simply absent. ctx only cuts the git lookup
// short when it is already done.
//
// Every key is a valid MLflow tag key and every value valid UTF-8 of at
// most MaxTagValueLength bytes; invalid UTF-8 in a path or a git name is
// shown as U+FFFD. TagGitDirty is not among the tags: it comes from
// GitState, which the caller runs in the background.
func Capture(ctx context.Context, opts *Options) map[string]string {
	var o Options
	if opts != nil {
		o = *opts
	}
	args := o.Args
	if args == nil {
		args = os.Args
	}
	tags := make(map[string]string, 16)
	set := func(key, value string) {
		if value == "" {
			return
		}
		if !utf8.ValidString(value) {
			value = strings.ToValidUTF8(value, "\uFFFD")
		}
		if len(value) > MaxTagValueLength {
			return // too long to record whole; never cut silently
		}
		tags[key] = value
	}

	user := o.User
	if user == "" {
		user = CurrentUser()
	}
	set(TagUser, user)
	set(TagSourceName, sourceName(args))
	set(TagSourceType, SourceTypeLocal)

	if !o.NoGit && ctx.Err() == nil {
		dir := o.Dir
		if dir == "" {
			dir, _ = os.Getwd()
		}
		if dir != "" {
			if abs, err := filepath.Abs(dir); err == nil {
				dir = abs
			}
			if g, ok := readGit(dir); ok {
				set(TagGitCommit, g.commit)
				set(TagGitBranch, g.branch)
				set(TagGitRepoURL, g.repoURL)
			}
		}
	}

	set(TagGoVersion, runtime.Version())
	set(TagGoOS, runtime.GOOS)
	set(TagGoArch, runtime.GOARCH)
	b := buildRecord()
	set(TagGoMain, b.main)
	set(TagGoDeps, b.deps)
	set(TagGoBuild, b.settings)
	if host, err := os.Hostname(); err == nil {
		set(TagHost, host)
	}
	set(TagCmdline, cmdline(args, MaxTagValueLength))
	return tags
}

// CurrentUser returns the user of the process as MLflow finds it, following
// Python's getpass.getuser: the environment first, then the account
// database; "unknown" when neither says.
func CurrentUser() string {
	for _, name := range [...]string{"LOGNAME", "USER", "LNAME", "USERNAME"} {
		if v := os.Getenv(name); v != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// sourceName returns the program as an absolute path: args[0] made absolute
// when it holds a path separator, else looked up in PATH as the shell did,
// else the running executable.
func sourceName(args []string) string {
	if len(args) > 0 && args[0] != "" {
		p := args[0]
		if filepath.IsAbs(p) {
			return p
		}
		if strings.ContainsRune(p, filepath.Separator) || strings.ContainsRune(p, '/') {
			if abs, err := filepath.Abs(p); err == nil {
				return abs
			}
		} else if found, err := exec.LookPath(p); err == nil {
			if abs, err := filepath.Abs(found); err == nil {
				return abs
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	return ""
}

// build is the part of the record fixed for the life of the process.
type build struct {
	main, deps, settings string
}

var buildRecord = sync.OnceValue(func() build {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return build{}
	}
	return formatBuild(bi, MaxTagValueLength)
})

// formatBuild turns build information into the mlite.go.* tag values, each
// list capped at limit bytes.
func formatBuild(bi *debug.BuildInfo, limit int) build {
	var b build
	if bi.Main.Path != "" {
		b.main = bi.Main.Path
		if bi.Main.Version != "" {
			b.main += "@" + bi.Main.Version
		}
	}
	deps := make([]string, 0, len(bi.Deps))
	for _, d := range bi.Deps {
		if d == nil {
			continue
		}
		line := d.Path + " " + d.Version
		if r := d.Replace; r != nil {
			line += " => " + r.Path
			if r.Version != "" {
				line += " " + r.Version
			}
		}
		deps = append(deps, line)
	}
	slices.Sort(deps)
	b.deps = capJoin(deps, "\n", limit)
	settings := make([]string, 0, len(bi.Settings))
	for _, s := range bi.Settings {
		settings = append(settings, s.Key+"="+s.Value)
	}
	b.settings = capJoin(settings, "\n", limit)
	return b
}

// capJoin joins items with sep. When the result would be longer than limit
// bytes it keeps the leading items that fit whole and ends with an item
// "… and N more" naming how many were left out, so nothing is cut silently.
func capJoin(items []string, sep string, limit int) string {
	total := 0
	for i, it := range items {
		if i > 0 {
			total += len(sep)
		}
		total += len(it)
	}
	if total <= limit {
		return strings.Join(items, sep)
	}
	// Room kept for the closing item, sized for the largest count it can say.
	reserve := len(sep) + len(moreItem(len(items)))
	var b strings.Builder
	kept := 0
	for _, it := range items {
		n := len(it)
		if kept > 0 {
			n += len(sep)
		}
		if b.Len()+n+reserve > limit {
			break
		}
		if kept > 0 {
			b.WriteString(sep)
		}
		b.WriteString(it)
		kept++
	}
	if kept > 0 {
		b.WriteString(sep)
	}
	b.WriteString(moreItem(len(items) - kept))
	return b.String()
}

// moreItem is the closing item of a capped list.
func moreItem(n int) string {
	return "… and " + strconv.Itoa(n) + " more"
}

// cmdline joins args into one shell-quoted line of at most limit bytes (see
// capJoin for what happens past it).
func cmdline(args []string, limit int) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = shellQuote(a)
	}
	return capJoin(quoted, " ", limit)
}

// shellQuote quotes s for a POSIX shell when it needs it: as is when it is
// made only of characters no shell treats specially; in single quotes when
// it is printable UTF-8; in bash's $'…' with escapes when it holds control
// characters or bytes that are not UTF-8.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	plain, printable := true, utf8.ValidString(s)
	for _, r := range s {
		if !isShellSafe(r) {
			plain = false
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			printable = false
		}
	}
	if plain {
		return s
	}
	if printable {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1, r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			switch r {
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\r':
				b.WriteString(`\r`)
			default:
				for _, c := range []byte(s[i : i+size]) {
					b.WriteString(`\x`)
					b.WriteByte("0123456789abcdef"[c>>4])
					b.WriteByte("0123456789abcdef"[c&15])
				}
			}
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteString("'")
	return b.String()
}

func isShellSafe(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		strings.ContainsRune("@%+=:,./_-", r)
}
