package httpguard

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Options configure New. The zero value allows only loopback Host headers,
// only same-site or loopback origins for writes, and no authentication.
type Options struct {
	// AllowedHosts are the Host header values (with or without a port)
	// the server answers; an entry may hold * wildcards ("*.corp.example",
	// "10.1.*"), and "*" alone allows every host. Nil: localhost,
	// 127.0.0.1 and [::1] on any port, plus BoundHosts.
	AllowedHosts []string
	// BoundHosts are added to the default AllowedHosts: the address the
	// server listens on (for 0.0.0.0, the machine's own addresses and
	// name; see LocalHosts).
	BoundHosts []string
	// AllowedOrigins may send state-changing API requests (POST, PUT,
	// PATCH, DELETE) besides loopback origins; entries may hold *
	// wildcards, and "*" allows every origin. Nil: none.
	AllowedOrigins []string
	// Credentials, when set, are required on every request but the health
	// checks.
	Credentials *Credentials
	// BodyProgress is the longest a request body may stall between two
	// reads, or a client may leave the response unread, before the
	// connection is closed. Zero: 60 s.
	BodyProgress time.Duration
}

// Messages of refused requests, as MLflow words them.
const (
	InvalidHostMsg    = "Invalid Host header - possible DNS rebinding attack detected"
	CORSBlockedMsg    = "Cross-origin request blocked"
	NotAuthorizedMsg  = "You are not authenticated. Please set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN, to the server's credentials."
	defaultBodyWindow = 60 * time.Second
)

// healthPaths answer without a Host check or credentials, as MLflow's do:
// load balancers and process managers probe them.
var healthPaths = map[string]bool{"/health": true, "/version": true, "/ping": true}

// stateChanging are the methods that may change the store.
var stateChanging = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "DELETE": true}

// guard is the handler New returns.
type guard struct {
	next    http.Handler
	hosts   []string
	origins []string
	creds   *Credentials
	window  time.Duration
}

// New wraps next with the checks opts configure.
func New(next http.Handler, opts Options) http.Handler {
	g := &guard{next: next, hosts: opts.AllowedHosts, origins: opts.AllowedOrigins, creds: opts.Credentials, window: opts.BodyProgress}
	if g.hosts == nil {
		g.hosts = append([]string{"localhost", "127.0.0.1", "[::1]"}, opts.BoundHosts...)
	}
	if g.window <= 0 {
		g.window = defaultBodyWindow
	}
	return g
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	health := healthPaths[r.URL.Path]
	if !health && !HostAllowed(g.hosts, r.Host) {
		http.Error(w, InvalidHostMsg, http.StatusForbidden)
		return
	}
	if stateChanging[r.Method] && isAPI(r.URL.Path) && !OriginAllowed(g.origins, r.Header.Get("Origin"), r.Host) {
		http.Error(w, CORSBlockedMsg, http.StatusForbidden)
		return
	}
	if !health && g.creds != nil && !g.creds.accepts(r) {
		if g.creds.Username != "" {
			h.Set("WWW-Authenticate", `Basic realm="mlite", charset="UTF-8"`)
		} else {
			h.Set("WWW-Authenticate", `Bearer realm="mlite"`)
		}
		http.Error(w, NotAuthorizedMsg, http.StatusUnauthorized)
		return
	}
	ctl := http.NewResponseController(w)
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &progressBody{rc: r.Body, ctl: ctl, window: g.window}
	}
	g.next.ServeHTTP(&progressWriter{ResponseWriter: w, ctl: ctl, window: g.window}, r)
}

// isAPI reports whether p is one of the JSON or artifact APIs, the paths
// a cross-site form or script could change the store through.
func isAPI(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/ajax-api/") || p == "/invocations"
}

// HostAllowed reports whether the Host header host matches one of the
// allowed patterns, with or without its port.
func HostAllowed(allowed []string, host string) bool {
	if host == "" {
		return false
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
		if strings.Contains(h, ":") {
			name = "[" + h + "]" // IPv6 literals are allowed as written in a URL
		}
	}
	for _, a := range allowed {
		if a == "*" || matches(a, host) || matches(a, name) {
			return true
		}
	}
	return false
}

// OriginAllowed reports whether a state-changing request from origin may
// go through: no Origin (not a browser, or same-site navigation), a
// loopback origin, the server's own host, or an allowed one.
func OriginAllowed(allowed []string, origin, host string) bool {
	if origin == "" {
		return true
	}
	u, ok := strings.CutPrefix(origin, "http://")
	if !ok {
		u, ok = strings.CutPrefix(origin, "https://")
	}
	if ok && !strings.ContainsAny(u, "/?#@") {
		if u == host {
			return true // the viewer's own pages
		}
		name := u
		if h, _, err := net.SplitHostPort(u); err == nil {
			name = h
		}
		if name == "localhost" || name == "[::1]" || name == "::1" {
			return true
		}
		if ip := net.ParseIP(strings.Trim(name, "[]")); ip != nil && ip.IsLoopback() {
			return true
		}
	}
	for _, a := range allowed {
		if a == "*" || matches(a, origin) {
			return true
		}
	}
	return false
}

// matches is a case-insensitive match of s against pattern, whose * stand
// for any run of characters (and nothing else is special).
func matches(pattern, s string) bool {
	parts := strings.Split(strings.ToLower(pattern), "*")
	s = strings.ToLower(s)
	if len(parts) == 1 {
		return parts[0] == s
	}
	first, last := parts[0], parts[len(parts)-1]
	if !strings.HasPrefix(s, first) || len(s) < len(first)+len(last) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return true
}

// accepts reports whether r carries the credentials: basic auth with the
// username and password, or the bearer token.
func (c *Credentials) accepts(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if c.Token != "" {
		if tok, ok := strings.CutPrefix(auth, "Bearer "); ok && equal(tok, c.Token) {
			return true
		}
	}
	if c.Username != "" {
		if enc, ok := strings.CutPrefix(auth, "Basic "); ok {
			raw, err := base64.StdEncoding.DecodeString(enc)
			user, pass, found := strings.Cut(string(raw), ":")
			if err == nil && found && equal(user, c.Username) && equal(pass, c.Password) {
				return true
			}
		}
	}
	return false
}

// equal compares secrets in constant time (their hashes, so that the
// length does not leak either).
func equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// progressBody is a request body that must keep moving: before each read
// the connection's read deadline is moved window ahead, so a client that
// announced a body and stalls is cut off, however large the body is.
type progressBody struct {
	rc     io.ReadCloser
	ctl    *http.ResponseController
	window time.Duration
}

func (b *progressBody) Read(p []byte) (int, error) {
	b.ctl.SetReadDeadline(time.Now().Add(b.window)) // unsupported writers (tests) keep no deadline
	return b.rc.Read(p)
}

func (b *progressBody) Close() error { return b.rc.Close() }

// progressWriter is the response's counterpart of progressBody: each write
// must go out within window, so a client that stops reading a download is
// cut off.
type progressWriter struct {
	http.ResponseWriter
	ctl    *http.ResponseController
	window time.Duration
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.ctl.SetWriteDeadline(time.Now().Add(w.window))
	return w.ResponseWriter.Write(p)
}

// Flush sends what is buffered (http.Flusher).
func (w *progressWriter) Flush() { w.ctl.Flush() }

// Unwrap gives http.ResponseController the connection's writer.
func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
