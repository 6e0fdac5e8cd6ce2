package main

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// accessLog wraps h to write one line to w for each request once it is
// answered: when it arrived (UTC), its method and path, the status sent
// and how long the answer took, e.g.
//
//	2026-12-06T21:40:00.123Z POST /api/2.0/mlflow/runs/create 200 1.234ms
//
// The path is the escaped one, so a line never holds a control character.
func accessLog(h http.Handler, w io.Writer, now func() time.Time) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		start := now()
		sw := &statusWriter{ResponseWriter: rw}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK // nothing written: net/http sends 200
		}
		took := now().Sub(start)
		line := fmt.Sprintf("%s %s %s %d %.3fms\n", start.UTC().Format("2006-01-02T15:04:05.000Z"),
			r.Method, r.URL.EscapedPath(), sw.status, float64(took)/float64(time.Millisecond))
		mu.Lock()
		defer mu.Unlock()
		io.WriteString(w, line)
	})
}

// statusWriter records the status a handler sends.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
