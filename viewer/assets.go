package viewer

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
)

//go:embed assets
var assetFS embed.FS

// asset is one embedded static file with its content hash.
type asset struct {
	body  []byte
	ctype string
	hash  string // first 16 hex digits of the SHA-256 of body
}

// assetSet is every asset by file name.
type assetSet struct {
	files map[string]*asset
}

// importRe finds a JS module's imports of its sibling modules.
var importRe = regexp.MustCompile(`from "\./([A-Za-z0-9_.-]+\.js)"`)

// loadAssets reads and hashes the embedded assets, once. A JS module's
// imports of sibling modules are rewritten to carry their hash, so that
// every module, not only the page's entry point, is cached immutably and
// changes whenever anything it imports changes.
func loadAssets() (*assetSet, error) {
	s := &assetSet{files: make(map[string]*asset)}
	entries, err := fs.ReadDir(assetFS, "assets")
	if err != nil {
		return nil, err
	}
	raw := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := fs.ReadFile(assetFS, "assets/"+e.Name())
		if err != nil {
			return nil, err
		}
		raw[e.Name()] = b
	}
	var add func(name string, depth int) error
	add = func(name string, depth int) error {
		if _, ok := s.files[name]; ok {
			return nil
		}
		b, ok := raw[name]
		if !ok {
			return fmt.Errorf("no asset %q", name)
		}
		if depth > len(raw) {
			return fmt.Errorf("asset %q: import cycle", name)
		}
		if path.Ext(name) == ".js" {
			var ferr error
			b = importRe.ReplaceAllFunc(b, func(m []byte) []byte {
				dep := string(importRe.FindSubmatch(m)[1])
				if err := add(dep, depth+1); err != nil {
					ferr = err
					return m
				}
				return []byte(`from "./` + dep + `?v=` + s.files[dep].hash + `"`)
			})
			if ferr != nil {
				return ferr
			}
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(name))
		switch path.Ext(name) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".LICENSE", "":
			ct = "text/plain; charset=utf-8"
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		s.files[name] = &asset{body: b, ctype: ct, hash: hex.EncodeToString(sum[:8])}
		return nil
	}
	for name := range raw {
		if err := add(name, 0); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// url returns the content-hashed URL of the asset name ("" if there is none).
func (s *assetSet) url(name string) string {
	a, ok := s.files[name]
	if !ok {
		return ""
	}
	return "/static/" + name + "?v=" + a.hash
}

// serveAsset serves an embedded asset. With the right ?v= hash the response
// may be cached forever; with another (an old page) it is served uncached.
func (v *Viewer) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	a, ok := v.assets.files[name]
	if !ok || strings.Contains(name, "/") {
		v.errorPage(w, r, errNotFound("no asset %q", name))
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", `"`+a.hash+`"`)
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match == `"`+a.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(a.body)
}
