// Package mlflowclient is a small client of an MLflow tracking server's REST
// API 2.0 (tracking, model registry, MLflow 3 logged models) and of its
// artifact proxy (mlflow-artifacts): the calls mlite's copies to and from a
// server make, with MLflow's authentication environment variables, retries
// with backoff on 5xx answers and failed connections, and counters of the
// requests sent.
//
// Package mlflowclient imports no mlite package.
package mlflowclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Environment variables the client reads (MLflow's own).
const (
	EnvToken       = "MLFLOW_TRACKING_TOKEN"
	EnvUsername    = "MLFLOW_TRACKING_USERNAME"
	EnvPassword    = "MLFLOW_TRACKING_PASSWORD"
	EnvInsecureTLS = "MLFLOW_TRACKING_INSECURE_TLS"
)

// Errors callers test with errors.Is.
var (
	// ErrUnauthorized: the server refused the credentials (401 or 403).
	ErrUnauthorized = errors.New("mlflowclient: the server refused the credentials")
	// ErrNotFound: the server answered RESOURCE_DOES_NOT_EXIST (or 404).
	ErrNotFound = errors.New("mlflowclient: not found")
	// ErrExists: the server answered RESOURCE_ALREADY_EXISTS.
	ErrExists = errors.New("mlflowclient: already exists")
	// ErrBadAnswer: the server's answer is not what the API promises.
	ErrBadAnswer = errors.New("mlflowclient: unexpected answer")
)

// Options configure a Client; the zero value (or nil) means defaults.
type Options struct {
	// Token is a bearer token; default $MLFLOW_TRACKING_TOKEN.
	Token string
	// Username and Password are basic auth; default
	// $MLFLOW_TRACKING_USERNAME and $MLFLOW_TRACKING_PASSWORD.
	Username, Password string
	// InsecureTLS skips verifying the server's certificate; default
	// $MLFLOW_TRACKING_INSECURE_TLS=true.
	InsecureTLS bool
	// Timeout bounds one request until its answer's headers; default 60s.
	Timeout time.Duration
	// Retries is how many times a request that failed for a reason that may
	// pass (5xx, 429, a failed connection, a timeout) is sent again; default
	// 5. -1 means none.
	Retries int
	// Backoff is the wait before the first retry, doubling (with jitter)
	// up to 8s; default 250ms.
	Backoff time.Duration
	// MaxConns is how many connections to the server are kept open; default 16.
	MaxConns int
	// HTTP replaces the HTTP client (tests); Timeout, InsecureTLS and
	// MaxConns are then ignored.
	HTTP *http.Client
}

// FromEnv returns Options filled from MLflow's environment variables.
func FromEnv() Options {
	return Options{
		Token:       os.Getenv(EnvToken),
		Username:    os.Getenv(EnvUsername),
		Password:    os.Getenv(EnvPassword),
		InsecureTLS: strings.EqualFold(os.Getenv(EnvInsecureTLS), "true"),
	}
}

// Client talks to one MLflow server. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	opts    Options
	http    *http.Client
	reads   atomic.Int64
	writes  atomic.Int64
	retries atomic.Int64
}

// New returns a client of the server at rawURL (http or https).
func New(rawURL string, o *Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(rawURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("mlflowclient: server URL %q: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("mlflowclient: server URL %q: want http or https, a host and an optional path", rawURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("mlflowclient: server URL %q: want no query or fragment", rawURL)
	}
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.Retries == 0 {
		opts.Retries = 5
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 250 * time.Millisecond
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 16
	}
	hc := opts.HTTP
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = opts.MaxConns
		tr.MaxConnsPerHost = opts.MaxConns
		tr.ResponseHeaderTimeout = opts.Timeout
		if opts.InsecureTLS {
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by MLFLOW_TRACKING_INSECURE_TLS
		}
		hc = &http.Client{Transport: tr}
	}
	return &Client{base: u, opts: opts, http: hc}, nil
}

// URL returns the server's URL as the client uses it (no trailing slash).
func (c *Client) URL() string { return c.base.String() }

// Counts returns how many reading and writing requests were answered
// successfully, and how many retries were sent.
func (c *Client) Counts() (reads, writes, retries int64) {
	return c.reads.Load(), c.writes.Load(), c.retries.Load()
}

// APIError is an error answer of the server.
type APIError struct {
	Method, Path string
	Status       int    // HTTP status
	Code         string // MLflow's error_code, if the body had one
	Message      string
}

func (e *APIError) Error() string {
	msg := e.Message
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	if e.Code != "" {
		return fmt.Sprintf("mlflowclient: %s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, msg)
	}
	return fmt.Sprintf("mlflowclient: %s %s: HTTP %d: %s", e.Method, e.Path, e.Status, msg)
}

// Is maps the answer to the package's sentinels.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden || e.Code == "UNAUTHENTICATED" || e.Code == "PERMISSION_DENIED"
	case ErrNotFound:
		return e.Code == "RESOURCE_DOES_NOT_EXIST" || e.Code == "" && e.Status == http.StatusNotFound
	case ErrExists:
		return e.Code == "RESOURCE_ALREADY_EXISTS"
	}
	return false
}

// retryable reports whether a request that failed with err (and maybe an
// answer of status) may succeed if sent again.
func retryable(ctx context.Context, status int, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		var ne net.Error
		return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
			errors.Is(err, errTruncated) || strings.Contains(err.Error(), "connection reset")
	}
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

var errTruncated = errors.New("mlflowclient: answer truncated")

// body is a request body that can be sent again.
type body struct {
	open func() (io.ReadCloser, error)
	size int64
	kind string
}

func jsonBody(v any) (*body, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("mlflowclient: encode request: %w", err)
	}
	return &body{open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, size: int64(len(b)), kind: "application/json"}, nil
}

// do sends one request, retrying what may pass, and decodes a JSON answer
// into out (if not nil). path is relative to the server's URL.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in *body, out any) error {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawPath = ""
	if q != nil {
		u.RawQuery = q.Encode()
	}
	wait := c.opts.Backoff
	for attempt := 0; ; attempt++ {
		status, err := c.once(ctx, method, u.String(), path, in, out)
		if err == nil {
			if method == http.MethodGet {
				c.reads.Add(1)
			} else {
				c.writes.Add(1)
			}
			return nil
		}
		var ae *APIError
		again := false
		switch {
		case errors.As(err, &ae):
			again = retryable(ctx, ae.Status, nil)
		case !errors.Is(err, ErrBadAnswer):
			again = retryable(ctx, status, errors.Unwrap(err))
		}
		if !again || attempt >= c.opts.Retries || c.opts.Retries < 0 {
			return err
		}
		c.retries.Add(1)
		d := wait/2 + rand.N(wait/2+1)
		select {
		case <-ctx.Done():
			return fmt.Errorf("mlflowclient: %s %s: %w (after %v)", method, path, ctx.Err(), err)
		case <-time.After(d):
		}
		wait = min(2*wait, 8*time.Second)
	}
}

// once sends one request. A transport failure comes back wrapped once, so
// do can look at its cause.
func (c *Client) once(ctx context.Context, method, rawURL, path string, in *body, out any) (int, error) {
	var rd io.ReadCloser
	if in != nil {
		var err error
		if rd, err = in.open(); err != nil {
			return 0, fmt.Errorf("mlflowclient: %s %s: %w", method, path, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		if rd != nil {
			rd.Close()
		}
		return 0, fmt.Errorf("mlflowclient: %s %s: %w", method, path, err)
	}
	if in != nil {
		req.ContentLength = in.size
		req.Header.Set("Content-Type", in.kind)
	}
	req.Header.Set("User-Agent", "mlite")
	resp, err := c.send(req)
	if err != nil {
		return 0, fmt.Errorf("mlflowclient: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	const maxAnswer = 64 << 20
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("mlflowclient: %s %s: reading the answer: %w", method, path, err)
	}
	if len(data) > maxAnswer {
		return resp.StatusCode, fmt.Errorf("mlflowclient: %s %s: answer over %d bytes: %w", method, path, maxAnswer, ErrBadAnswer)
	}
	if resp.StatusCode/100 != 2 {
		e := &APIError{Method: method, Path: path, Status: resp.StatusCode, Message: strings.TrimSpace(string(data))}
		var ej struct {
			Code    string `json:"error_code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &ej) == nil && ej.Code != "" {
			e.Code, e.Message = ej.Code, ej.Message
		}
		return resp.StatusCode, e
	}
	if out == nil {
		// Every answer of the API is a JSON object ("{}" at least), and
		// the artifact proxy answers an upload with one or with nothing:
		// anything else did not come from the server the request was meant
		// for, and the request may not have arrived.
		if method == http.MethodPut && len(bytes.TrimSpace(data)) == 0 {
			return resp.StatusCode, nil
		}
		var obj map[string]json.RawMessage
		out = &obj
	}
	if err := json.Unmarshal(data, out); err != nil {
		snippet := string(data)
		if len(snippet) > 120 {
			snippet = snippet[:120] + "..."
		}
		return resp.StatusCode, fmt.Errorf("mlflowclient: %s %s: answer is not the JSON the API promises (%v): %q: %w", method, path, err, snippet, ErrBadAnswer)
	}
	return resp.StatusCode, nil
}

// api calls the REST API: path is relative to /api/2.0/mlflow/.
func (c *Client) api(ctx context.Context, method, path string, q url.Values, in, out any) error {
	b, err := jsonBody(in)
	if err != nil {
		return err
	}
	return c.do(ctx, method, "/api/2.0/mlflow/"+path, q, b, out)
}

// Post sends a JSON request to /api/2.0/mlflow/<path> and decodes the
// answer into out (nil to ignore it).
func (c *Client) Post(ctx context.Context, path string, in, out any) error {
	return c.api(ctx, http.MethodPost, path, nil, in, out)
}

// Get sends a GET request to /api/2.0/mlflow/<path> with the query q and
// decodes the answer into out.
func (c *Client) Get(ctx context.Context, path string, q url.Values, out any) error {
	return c.api(ctx, http.MethodGet, path, q, nil, out)
}

// Patch sends a JSON PATCH request to /api/2.0/mlflow/<path>.
func (c *Client) Patch(ctx context.Context, path string, in, out any) error {
	return c.api(ctx, http.MethodPatch, path, nil, in, out)
}

// Delete sends a JSON DELETE request to /api/2.0/mlflow/<path> (MLflow's
// DELETE endpoints read their arguments from the body).
func (c *Client) Delete(ctx context.Context, path string, in any) error {
	return c.api(ctx, http.MethodDelete, path, nil, in, nil)
}

// ArtifactPath turns an artifact URI the server reported for a run or a
// logged model ("mlflow-artifacts:/1/<run>/artifacts", with or without
// "//host") into the path under the artifact proxy.
func ArtifactPath(uri string) (string, error) {
	rest, ok := strings.CutPrefix(uri, "mlflow-artifacts:")
	if !ok {
		return "", fmt.Errorf("mlflowclient: artifact URI %q: only mlflow-artifacts: URIs (a server started with --serve-artifacts, MLflow's default) can be written through the server", uri)
	}
	if strings.HasPrefix(rest, "//") {
		u, err := url.Parse(uri)
		if err != nil {
			return "", fmt.Errorf("mlflowclient: artifact URI %q: %w", uri, err)
		}
		rest = u.Path
	}
	return strings.Trim(rest, "/"), nil
}

func artifactURL(root, p string) string {
	parts := strings.Split(strings.Trim(root+"/"+p, "/"), "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return "/api/2.0/mlflow-artifacts/artifacts/" + strings.Join(parts, "/")
}

// Upload writes one file under root (an ArtifactPath) through the artifact
// proxy. open is called for each attempt.
func (c *Client) Upload(ctx context.Context, root, p string, size int64, open func() (io.ReadCloser, error)) error {
	return c.do(ctx, http.MethodPut, artifactURL(root, p), nil, &body{open: open, size: size, kind: "application/octet-stream"}, nil)
}

// send sends req with the client's credentials: the token, else the
// username and password.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	switch {
	case c.opts.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	case c.opts.Username != "" || c.opts.Password != "":
		req.SetBasicAuth(c.opts.Username, c.opts.Password)
	}
	return c.http.Do(req)
}

// Download reads one file under root through the artifact proxy into w.
// It is not retried once bytes were written to w.
func (c *Client) Download(ctx context.Context, root, p string, w io.Writer) (int64, error) {
	u := *c.base
	u.Path = c.base.Path + artifactURL(root, p)
	var n int64
	var lastErr error
	wait := c.opts.Backoff
	for attempt := 0; attempt <= max(c.opts.Retries, 0); attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return 0, fmt.Errorf("mlflowclient: download %s: %w", p, err)
		}
		resp, err := c.send(req)
		status := 0
		if err == nil {
			status = resp.StatusCode
			if status/100 == 2 {
				n, err = io.Copy(w, resp.Body)
				resp.Body.Close()
				if err != nil {
					return n, fmt.Errorf("mlflowclient: download %s: %w", p, err)
				}
				if resp.ContentLength >= 0 && n != resp.ContentLength {
					return n, fmt.Errorf("mlflowclient: download %s: got %d bytes, want %d: %w", p, n, resp.ContentLength, errTruncated)
				}
				c.reads.Add(1)
				return n, nil
			}
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			lastErr = &APIError{Method: "GET", Path: artifactURL(root, p), Status: status, Message: strings.TrimSpace(string(data))}
		} else {
			lastErr = fmt.Errorf("mlflowclient: download %s: %w", p, err)
		}
		if !retryable(ctx, status, err) {
			return 0, lastErr
		}
		c.retries.Add(1)
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 8*time.Second)
	}
	return 0, lastErr
}

// FileInfo is an entry of an artifact listing.
type FileInfo struct {
	Path     string   `json:"path"`
	IsDir    bool     `json:"is_dir"`
	FileSize fileSize `json:"file_size"`
}

// fileSize is a size that MLflow's JSON spells as a number or a string;
// -1 when absent.
type fileSize struct {
	n   int64
	set bool
}

func (s *fileSize) UnmarshalJSON(b []byte) error {
	t := strings.Trim(string(b), `"`)
	if t == "null" || t == "" {
		return nil
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("file_size %s: not a size", b)
	}
	s.n, s.set = n, true
	return nil
}

// Size returns the file's size, -1 when the server gave none.
func (f FileInfo) Size() int64 {
	if !f.FileSize.set {
		return -1
	}
	return f.FileSize.n
}

// List lists one folder under root through the artifact proxy; paths come
// back relative to root.
func (c *Client) List(ctx context.Context, root, dir string) ([]FileInfo, error) {
	q := url.Values{}
	if p := strings.Trim(root+"/"+dir, "/"); p != "" {
		q.Set("path", p)
	}
	var out struct {
		Files []FileInfo `json:"files"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/2.0/mlflow-artifacts/artifacts", q, nil, &out); err != nil {
		return nil, err
	}
	for i := range out.Files {
		out.Files[i].Path = strings.TrimPrefix(strings.Trim(dir+"/"+out.Files[i].Path, "/"), "/")
	}
	return out.Files, nil
}
