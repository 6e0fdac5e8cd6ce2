package repro

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mlite/mlite/internal/validate"
)

// checkTags fails t unless every tag is one MLflow would store.
func checkTags(t *testing.T, tags map[string]string) {
	t.Helper()
	for k, v := range tags {
		if err := validate.Key("tag", k); err != nil {
			t.Errorf("tag key %q: %v", k, err)
		}
		if err := validate.TagValue(k, v); err != nil {
			t.Errorf("tag %q: %v", k, err)
		}
		if v == "" {
			t.Errorf("tag %q: empty value, want the tag left out", k)
		}
		if !IsSystem(k) {
			t.Errorf("tag %q: not a system tag", k)
		}
	}
}

func TestLimitMatchesValidate(t *testing.T) {
	if MaxTagValueLength != validate.MaxTagValueLength {
		t.Fatalf("MaxTagValueLength = %d, validate.MaxTagValueLength = %d", MaxTagValueLength, validate.MaxTagValueLength)
	}
}

func TestCaptureRepo(t *testing.T) {
	dir, commit := newRepo(t)
	tags := Capture(context.Background(), &Options{Dir: filepath.Join(dir, "sub"), User: "ada"})
	checkTags(t, tags)
	want := map[string]string{
		TagUser:       "ada",
		TagSourceType: "LOCAL",
		TagGitCommit:  commit,
		TagGitBranch:  "main",
		TagGitRepoURL: "https://example.com/team/project.git",
		TagGoVersion:  runtime.Version(),
		TagGoOS:       runtime.GOOS,
		TagGoArch:     runtime.GOARCH,
	}
	for k, v := range want {
		if got := tags[k]; got != v {
			t.Errorf("tag %s: got %q, want %q", k, got, v)
		}
	}
	if _, ok := tags[TagGitDirty]; ok {
		t.Errorf("tag %s set by Capture; it belongs to GitState", TagGitDirty)
	}
	if host, err := os.Hostname(); err == nil && tags[TagHost] != host {
		t.Errorf("tag %s: got %q, want %q", TagHost, tags[TagHost], host)
	}
	if got := tags[TagSourceName]; !filepath.IsAbs(got) {
		t.Errorf("tag %s: got %q, want an absolute path", TagSourceName, got)
	}
	if got := tags[TagCmdline]; !strings.Contains(got, "test") {
		t.Errorf("tag %s: got %q, want the test binary's command line", TagCmdline, got)
	}
}

func TestCaptureBranchWithSlashAndPackedRefs(t *testing.T) {
	dir, commit := newRepo(t)
	git(t, dir, "checkout", "-q", "-b", "feature/deep/name")
	git(t, dir, "pack-refs", "--all", "--prune")
	if _, err := os.Stat(filepath.Join(dir, ".git", "refs", "heads", "feature", "deep", "name")); !os.IsNotExist(err) {
		t.Fatalf("loose ref still there after pack-refs (err %v)", err)
	}
	tags := Capture(context.Background(), &Options{Dir: dir})
	if tags[TagGitCommit] != commit || tags[TagGitBranch] != "feature/deep/name" {
		t.Errorf("packed refs: got commit %q branch %q, want %q %q", tags[TagGitCommit], tags[TagGitBranch], commit, "feature/deep/name")
	}
}

func TestCaptureDetachedHead(t *testing.T) {
	dir, first := newRepo(t)
	write(t, filepath.Join(dir, "a.txt"), "changed\n")
	git(t, dir, "commit", "-q", "-am", "second")
	git(t, dir, "checkout", "-q", "--detach", first)
	tags := Capture(context.Background(), &Options{Dir: dir})
	if tags[TagGitCommit] != first {
		t.Errorf("detached: got commit %q, want %q", tags[TagGitCommit], first)
	}
	if b, ok := tags[TagGitBranch]; ok {
		t.Errorf("detached: got branch %q, want none", b)
	}
}

func TestCaptureWorktree(t *testing.T) {
	dir, commit := newRepo(t)
	wt := filepath.Join(filepath.Dir(dir), "wt")
	git(t, dir, "worktree", "add", "-q", "-b", "experiment", wt)
	if fi, err := os.Stat(filepath.Join(wt, ".git")); err != nil || fi.IsDir() {
		t.Fatalf("worktree .git: got %v, %v; want a file", fi, err)
	}
	tags := Capture(context.Background(), &Options{Dir: wt})
	if tags[TagGitCommit] != commit || tags[TagGitBranch] != "experiment" {
		t.Errorf("worktree: got commit %q branch %q, want %q %q", tags[TagGitCommit], tags[TagGitBranch], commit, "experiment")
	}
	if got := tags[TagGitRepoURL]; got != "https://example.com/team/project.git" {
		t.Errorf("worktree: got repo url %q, want origin's from the shared config", got)
	}
}

func TestCaptureGitdirFileRelative(t *testing.T) {
	// A submodule's .git file names its git directory by a relative path.
	dir, commit := newRepo(t)
	moved := filepath.Join(filepath.Dir(dir), "modules", "repo.git")
	if err := os.MkdirAll(filepath.Dir(moved), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, ".git"), moved); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, ".git"), "gitdir: ../modules/repo.git\n")
	tags := Capture(context.Background(), &Options{Dir: filepath.Join(dir, "sub")})
	if tags[TagGitCommit] != commit || tags[TagGitBranch] != "main" {
		t.Errorf("gitdir file: got commit %q branch %q, want %q main", tags[TagGitCommit], tags[TagGitBranch], commit)
	}
}

func TestCaptureSubmodule(t *testing.T) {
	lib, libCommit := newRepo(t)
	app, _ := newRepo(t)
	git(t, app, "submodule", "add", "-q", lib, "lib")
	tags := Capture(context.Background(), &Options{Dir: filepath.Join(app, "lib")})
	if tags[TagGitCommit] != libCommit {
		t.Errorf("submodule: got commit %q, want the submodule's %q", tags[TagGitCommit], libCommit)
	}
	if got := tags[TagGitRepoURL]; got != lib {
		t.Errorf("submodule: got repo url %q, want %q", got, lib)
	}
}

func TestCaptureUnbornBranch(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "trunk")
	tags := Capture(context.Background(), &Options{Dir: dir})
	if _, ok := tags[TagGitCommit]; ok {
		t.Errorf("no commit yet: got commit %q, want none", tags[TagGitCommit])
	}
	if tags[TagGitBranch] != "trunk" {
		t.Errorf("no commit yet: got branch %q, want trunk", tags[TagGitBranch])
	}
}

func TestCaptureNoGit(t *testing.T) {
	dir := t.TempDir()
	if _, found := findGitDir(dir); found {
		t.Skipf("%s is inside a git work tree", dir)
	}
	for _, opts := range []*Options{{Dir: dir}, {Dir: filepath.Join(dir, "missing", "deeper")}} {
		tags := Capture(context.Background(), opts)
		checkTags(t, tags)
		for _, k := range []string{TagGitCommit, TagGitBranch, TagGitRepoURL} {
			if v, ok := tags[k]; ok {
				t.Errorf("Dir %s: got %s = %q, want no git tags", opts.Dir, k, v)
			}
		}
		if tags[TagGoVersion] == "" || tags[TagSourceType] != "LOCAL" {
			t.Errorf("Dir %s: got %v, want the non-git tags", opts.Dir, tags)
		}
	}
}

func TestCaptureNoGitOption(t *testing.T) {
	dir, _ := newRepo(t)
	tags := Capture(context.Background(), &Options{Dir: dir, NoGit: true})
	if v, ok := tags[TagGitCommit]; ok {
		t.Errorf("NoGit: got commit %q, want none", v)
	}
}

func TestCaptureNilOptions(t *testing.T) {
	tags := Capture(context.Background(), nil)
	checkTags(t, tags)
	if tags[TagUser] == "" || tags[TagSourceName] == "" || tags[TagGoVersion] == "" {
		t.Errorf("nil options: got %v, want user, source name and Go version", tags)
	}
}

// TestCaptureGarbage checks that damaged or hostile git directories neither
// panic nor produce tags that are wrong or not storable.
func TestCaptureGarbage(t *testing.T) {
	const hash = "0123456789abcdef0123456789abcdef01234567"
	junk := string([]byte{0, 1, 2, 0xff, 0xfe, '\n', 'r', 'e', 'f', ':', 0x80})
	tests := []struct {
		name       string
		files      map[string]string // relative to the work tree; "" dir entries made with MkdirAll
		wantCommit string
		wantBranch string
	}{
		{"empty .git dir", map[string]string{".git/": ""}, "", ""},
		{"empty HEAD", map[string]string{".git/HEAD": ""}, "", ""},
		{"binary HEAD", map[string]string{".git/HEAD": junk}, "", ""},
		{"HEAD too big", map[string]string{".git/HEAD": "ref: refs/heads/main\n" + strings.Repeat("x", 1<<20)}, "", ""},
		{"missing ref", map[string]string{".git/HEAD": "ref: refs/heads/main\n"}, "", "main"},
		{"ref escapes", map[string]string{".git/HEAD": "ref: refs/../../../../etc/passwd\n"}, "", ""},
		{"ref not under refs", map[string]string{".git/HEAD": "ref: config\n"}, "", ""},
		{"reftable HEAD", map[string]string{".git/HEAD": "ref: refs/heads/.invalid\n", ".git/refs/heads": "this is not a directory"}, "", ""},
		{"short hash", map[string]string{".git/HEAD": "0123abc\n"}, "", ""},
		{"upper-case hash", map[string]string{".git/HEAD": strings.ToUpper(hash) + "\n"}, "", ""},
		{"detached", map[string]string{".git/HEAD": hash + "\n"}, hash, ""},
		{"junk loose ref", map[string]string{".git/HEAD": "ref: refs/heads/main", ".git/refs/heads/main": junk}, "", "main"},
		{"ref is a directory", map[string]string{".git/HEAD": "ref: refs/heads/main", ".git/refs/heads/main/": ""}, "", "main"},
		{"symref loop", map[string]string{".git/HEAD": "ref: refs/heads/a", ".git/refs/heads/a": "ref: refs/heads/b", ".git/refs/heads/b": "ref: refs/heads/a"}, "", "a"},
		{"symref chain", map[string]string{".git/HEAD": "ref: refs/heads/a", ".git/refs/heads/a": "ref: refs/heads/b\n", ".git/refs/heads/b": hash + "\n"}, hash, "a"},
		{"junk packed-refs", map[string]string{".git/HEAD": "ref: refs/heads/main", ".git/packed-refs": junk + strings.Repeat("z", 100<<10)}, "", "main"},
		{"packed bad hash", map[string]string{".git/HEAD": "ref: refs/heads/main", ".git/packed-refs": "nothex refs/heads/main\n"}, "", "main"},
		{"packed crlf", map[string]string{".git/HEAD": "ref: refs/heads/main", ".git/packed-refs": "# pack-refs with: peeled fully-peeled sorted \r\n" + hash + " refs/heads/main\r\n"}, hash, "main"},
		{"binary config", map[string]string{".git/HEAD": hash, ".git/config": junk + "[remote \"origin\"\n\turl"}, hash, ""},
		{".git file empty", map[string]string{".git": ""}, "", ""},
		{".git file junk", map[string]string{".git": junk}, "", ""},
		{".git file to nowhere", map[string]string{".git": "gitdir: ../nowhere/at/all"}, "", ""},
		{"commondir junk", map[string]string{".git/HEAD": "ref: refs/heads/main", ".git/commondir": junk}, "", "main"},
		{"commondir to nowhere", map[string]string{".git/HEAD": "ref: refs/heads/main", ".git/commondir": "/does/not/exist"}, "", "main"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for name, content := range tt.files {
				p := filepath.Join(root, filepath.FromSlash(name))
				if strings.HasSuffix(name, "/") {
					if err := os.MkdirAll(p, 0o755); err != nil {
						t.Fatal(err)
					}
					continue
				}
				write(t, p, content)
			}
			tags := Capture(context.Background(), &Options{Dir: root})
			checkTags(t, tags)
			if got := tags[TagGitCommit]; got != tt.wantCommit {
				t.Errorf("commit: got %q, want %q", got, tt.wantCommit)
			}
			if got := tags[TagGitBranch]; got != tt.wantBranch {
				t.Errorf("branch: got %q, want %q", got, tt.wantBranch)
			}
		})
	}
}

func TestPackedRefSortedStopsEarly(t *testing.T) {
	const h1 = "1111111111111111111111111111111111111111"
	const h2 = "2222222222222222222222222222222222222222"
	dir := t.TempDir()
	p := filepath.Join(dir, "packed-refs")
	content := "# pack-refs with: peeled fully-peeled sorted \n" +
		h1 + " refs/heads/a\n" +
		"^" + h2 + "\n" +
		h2 + " refs/heads/c\n" +
		h1 + " refs/heads/b\n" // out of order: a sorted file is not read this far
	write(t, p, content)
	tests := []struct{ ref, want string }{
		{"refs/heads/a", h1},
		{"refs/heads/c", h2},
		{"refs/heads/b", ""},
		{"refs/heads/zz", ""},
	}
	for _, tt := range tests {
		if got := packedRef(p, tt.ref); got != tt.want {
			t.Errorf("packedRef(%q): got %q, want %q", tt.ref, got, tt.want)
		}
	}
}

func TestRemoteURL(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"plain", "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = https://h/r.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n", "https://h/r.git"},
		{"other remote first", "[remote \"upstream\"]\n\turl = https://up/r.git\n[remote \"origin\"]\n\turl = git@h:o/r.git\n", "git@h:o/r.git"},
		{"only other remote", "[remote \"upstream\"]\n\turl = https://up/r.git\n", ""},
		{"section case", "[REMOTE \"origin\"]\n\tURL = https://h/r.git\n", "https://h/r.git"},
		{"subsection is case-sensitive", "[remote \"Origin\"]\n\turl = https://h/r.git\n", ""},
		{"old form", "[remote.origin]\n\turl = https://h/r.git\n", "https://h/r.git"},
		{"quoted with comment", "[remote \"origin\"]\n\turl = \"/path/with # hash\" # a comment\n", "/path/with # hash"},
		{"unquoted comment", "[remote \"origin\"]\n\turl = /srv/repo.git ; note\n", "/srv/repo.git"},
		{"escapes", "[remote \"origin\"]\n\turl = \"C:\\\\repos\\\\x\"\n", `C:\repos\x`},
		{"continuation", "[remote \"origin\"]\n\turl = https://h/\\\nr.git\n", "https://h/r.git"},
		{"key on header line", "[remote \"origin\"] url = https://h/r.git\n", "https://h/r.git"},
		{"crlf", "[remote \"origin\"]\r\n\turl = https://h/r.git\r\n", "https://h/r.git"},
		{"first of several urls", "[remote \"origin\"]\n\turl = https://a/r.git\n\turl = https://b/r.git\n", "https://a/r.git"},
		{"pushurl is not url", "[remote \"origin\"]\n\tpushurl = https://p/r.git\n", ""},
		{"unclosed header", "[remote \"origin\"\n\turl = https://h/r.git\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		if got := remoteURL([]byte(tt.config), "origin"); got != tt.want {
			t.Errorf("%s: remoteURL(%q): got %q, want %q", tt.name, tt.config, got, tt.want)
		}
	}
}

func TestCleanRemoteURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://github.com/o/r.git", "https://github.com/o/r.git"},
		{"https://user:secret@github.com/o/r.git", "https://github.com/o/r.git"},
		{"https://ghp_TOKEN@github.com/o/r.git", "https://github.com/o/r.git"},
		{"ssh://git@github.com/o/r.git", "ssh://git@github.com/o/r.git"},
		{"ssh://git:pw@github.com/o/r.git", "ssh://git@github.com/o/r.git"},
		{"git@github.com:o/r.git", "git@github.com:o/r.git"},
		{"/srv/git/r.git", "/srv/git/r.git"},
		{"file:///srv/git/r.git", "file:///srv/git/r.git"},
		{"https://u:p@host:badport%zz/r", "https://host:badport%zz/r"}, // unparseable: cut by hand
		{"", ""},
	}
	for _, tt := range tests {
		if got := cleanRemoteURL(tt.in); got != tt.want {
			t.Errorf("cleanRemoteURL(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUser(t *testing.T) {
	for _, name := range []string{"LOGNAME", "USER", "LNAME", "USERNAME"} {
		t.Setenv(name, "")
	}
	t.Setenv("USER", "from-user")
	if got := CurrentUser(); got != "from-user" {
		t.Errorf("USER set: got %q, want from-user", got)
	}
	t.Setenv("LOGNAME", "from-logname")
	if got := CurrentUser(); got != "from-logname" {
		t.Errorf("LOGNAME and USER set: got %q, want from-logname (getpass order)", got)
	}
	if got := Capture(context.Background(), &Options{User: "given", NoGit: true})[TagUser]; got != "given" {
		t.Errorf("Options.User: got %q, want given", got)
	}
	t.Setenv("LOGNAME", "")
	t.Setenv("USER", "")
	if got := CurrentUser(); got == "" {
		t.Errorf("no environment: got an empty user, want os/user's or \"unknown\"")
	}
}

func TestSourceName(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"/opt/bin/train"}, "/opt/bin/train"},
		{[]string{"./train", "-x"}, filepath.Join(wd, "train")},
		{[]string{"bin/train"}, filepath.Join(wd, "bin", "train")},
		{[]string{"no-such-program-on-path-mlite"}, exe},
		{[]string{}, exe},
		{[]string{""}, exe},
	}
	for _, tt := range tests {
		if got := sourceName(tt.args); got != tt.want {
			t.Errorf("sourceName(%q): got %q, want %q", tt.args, got, tt.want)
		}
	}
	if p, err := exec.LookPath("sh"); err == nil {
		if got := sourceName([]string{"sh"}); got != p {
			t.Errorf("sourceName([sh]): got %q, want %q from PATH", got, p)
		}
	}
}

func TestShellQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"train", "train"},
		{"--lr=0.01", "--lr=0.01"},
		{"/a/b.c,d:e@f%g+h", "/a/b.c,d:e@f%g+h"},
		{"", "''"},
		{"two words", "'two words'"},
		{"it's", `'it'\''s'`},
		{"$HOME", "'$HOME'"},
		{"a*b", "'a*b'"},
		{"~", "'~'"},
		{"日本", "'日本'"},
		{"line\nbreak", `$'line\nbreak'`},
		{"tab\tand 'q' \\", `$'tab\tand \'q\' \\'`},
		{"bad\xffbyte", `$'bad\xffbyte'`},
		{"bell\x07", `$'bell\x07'`},
	}
	for _, tt := range tests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q): got %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestCapJoin(t *testing.T) {
	five := []string{"aaaa", "bbbb", "cccc", "dddd", "eeee"}
	ten := append(five[:5:5], "ffff", "gggg", "hhhh", "iiii", "jjjj")
	tests := []struct {
		items []string
		limit int
		want  string
	}{
		{five, 100, "aaaa\nbbbb\ncccc\ndddd\neeee"},
		{five, 24, "aaaa\nbbbb\ncccc\ndddd\neeee"},
		{five, 23, "aaaa\n… and 4 more"},
		{five, 10, "… and 5 more"},
		{ten, 30, "aaaa\nbbbb\ncccc\n… and 7 more"},
		{nil, 10, ""},
	}
	for _, tt := range tests {
		got := capJoin(tt.items, "\n", tt.limit)
		if got != tt.want {
			t.Errorf("capJoin(%d items, limit %d): got %q, want %q", len(tt.items), tt.limit, got, tt.want)
		}
		if len(got) > tt.limit && tt.limit >= 15 {
			t.Errorf("capJoin(%d items, limit %d): got %d bytes", len(tt.items), tt.limit, len(got))
		}
	}
}

func TestCmdlineCapped(t *testing.T) {
	args := []string{"/bin/prog"}
	for i := range 5000 {
		args = append(args, "--flag="+strconv.Itoa(i))
	}
	got := cmdline(args, MaxTagValueLength)
	if len(got) > MaxTagValueLength {
		t.Fatalf("cmdline: got %d bytes, want at most %d", len(got), MaxTagValueLength)
	}
	i := strings.LastIndex(got, "… and ")
	if i < 0 || !strings.HasPrefix(got, "/bin/prog --flag=0 --flag=1 ") {
		t.Fatalf("cmdline: got %q…, want the leading arguments and a closing count", got[:60])
	}
	n, err := strconv.Atoi(strings.TrimSuffix(got[i+len("… and "):], " more"))
	if kept := strings.Count(got[:i], " "); err != nil || kept+n != len(args) {
		t.Errorf("cmdline: kept %d arguments and says %q more, want them to add up to %d", kept, got[i:], len(args))
	}
}

func TestFormatBuild(t *testing.T) {
	bi := &debug.BuildInfo{
		Main: debug.Module{Path: "example.com/train", Version: "v1.2.3"},
		Deps: []*debug.Module{
			{Path: "z.org/last", Version: "v0.1.0"},
			{Path: "a.org/first", Version: "v2.0.0", Replace: &debug.Module{Path: "../fork"}},
			nil,
			{Path: "m.org/mid", Version: "v1.0.0", Replace: &debug.Module{Path: "m.org/mid2", Version: "v1.0.1"}},
		},
		Settings: []debug.BuildSetting{{Key: "-tags", Value: "netgo"}, {Key: "vcs.revision", Value: "abc"}},
	}
	b := formatBuild(bi, MaxTagValueLength)
	if b.main != "example.com/train@v1.2.3" {
		t.Errorf("main: got %q", b.main)
	}
	if want := "a.org/first v2.0.0 => ../fork\nm.org/mid v1.0.0 => m.org/mid2 v1.0.1\nz.org/last v0.1.0"; b.deps != want {
		t.Errorf("deps: got %q, want %q", b.deps, want)
	}
	if want := "-tags=netgo\nvcs.revision=abc"; b.settings != want {
		t.Errorf("settings: got %q, want %q", b.settings, want)
	}

	many := &debug.BuildInfo{}
	for i := range 2000 {
		many.Deps = append(many.Deps, &debug.Module{Path: "example.com/module/number/" + strconv.Itoa(10000+i), Version: "v1.0.0"})
	}
	b = formatBuild(many, MaxTagValueLength)
	if len(b.deps) > MaxTagValueLength || !utf8.ValidString(b.deps) {
		t.Fatalf("2000 deps: got %d bytes, want at most %d of UTF-8", len(b.deps), MaxTagValueLength)
	}
	lines := strings.Split(b.deps, "\n")
	last := lines[len(lines)-1]
	if want := "… and " + strconv.Itoa(2000-(len(lines)-1)) + " more"; last != want {
		t.Errorf("2000 deps: last line %q, want %q", last, want)
	}
	if b.main != "" {
		t.Errorf("no main module: got %q, want none", b.main)
	}
}

func TestIsSystem(t *testing.T) {
	for key, want := range map[string]bool{
		TagRunName: true, TagGoDeps: true, "mlflow.anything": true,
		"mlflowx": false, "team": false, "mlite": false, "": false,
	} {
		if got := IsSystem(key); got != want {
			t.Errorf("IsSystem(%q): got %v, want %v", key, got, want)
		}
	}
}

func BenchmarkCapture(b *testing.B) {
	dir, _ := newRepo(b)
	git(b, dir, "pack-refs", "--all")
	opts := &Options{Dir: filepath.Join(dir, "sub")}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if tags := Capture(ctx, opts); tags[TagGitCommit] == "" {
			b.Fatal("no commit")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/op")
}
