package validate

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every error of this package; store re-exports it
// as store.ErrInvalid, the sentinel callers test.
var ErrInvalid = errors.New("invalid argument")

// Error is a rejected input: what it was, where it was used and what is
// wrong with it. Its Unwrap returns ErrInvalid (store.ErrInvalid).
type Error struct {
	// Subject names the input, with the input itself (shortened) when it is a
	// string: `param key "lr rate!"`, `value of tag "note"`, `experiment name ""`.
	Subject string
	// Where says where the input was used, e.g. "run 3f2a1b2c…"; empty when
	// the caller did not say (see In).
	Where string
	// Reason says what is wrong and, where it helps, what is allowed.
	Reason string
}

// Error formats the error as
// `validate: <subject> (<where>): <reason>`, leaving out an empty where.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("validate: ")
	b.WriteString(e.Subject)
	if e.Where != "" {
		b.WriteString(" (")
		b.WriteString(e.Where)
		b.WriteString(")")
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns ErrInvalid, so errors.Is(err, store.ErrInvalid) holds for
// every error of this package.
func (e *Error) Unwrap() error { return ErrInvalid }

// In returns err with where (e.g. "experiment 7") recorded as the place the
// rejected input was used. A nil err stays nil; an *Error gets a copy with
// its Where set (kept if already set: the innermost place wins); any other
// error is wrapped as "where: err".
func In(err error, where string) error {
	if err == nil || where == "" {
		return err
	}
	if e, ok := err.(*Error); ok {
		c := *e
		if c.Where == "" {
			c.Where = where
		}
		return &c
	}
	return &wrapped{where: where, err: err}
}

// InRun is In with "run <id>", the id shortened to its first 8 characters.
func InRun(err error, runID string) error {
	return In(err, "run "+ShortID(runID))
}

// ShortID returns id cut to its first 8 characters followed by "…", or id
// itself when it is that short. Messages use it to name runs.
func ShortID(id string) string {
	return shorten(id, 8)
}

type wrapped struct {
	where string
	err   error
}

func (w *wrapped) Error() string { return w.where + ": " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

// maxShown is how many characters of an input a message repeats.
const maxShown = 64

// shorten returns s cut to n characters plus "…" when it is longer.
func shorten(s string, n int) string {
	if head, cut := cutChars(s, n); cut {
		return head + "…"
	}
	return s
}

// cutChars returns the first n characters of s and whether anything was cut.
func cutChars(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	i := 0
	for count := 0; i < len(s) && count < n; count++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i], i < len(s)
}

// quote shows an input in a message: Go-quoted (so control characters and
// invalid bytes are visible) and cut to maxShown characters.
func quote(s string) string {
	if head, cut := cutChars(s, maxShown); cut {
		return strconv.Quote(head) + "…"
	}
	return strconv.Quote(s)
}

func newError(subject, reason string) *Error {
	return &Error{Subject: subject, Reason: reason}
}
