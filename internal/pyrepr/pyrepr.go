// Package pyrepr writes Go strings as Python's repr() writes them, for
// messages that must read exactly like MLflow's (which formats lists of
// names and values with repr).
//
// It imports only the standard library.
package pyrepr

import (
	"fmt"
	"strings"
)

// Str returns repr(s) for a Python str: single quotes unless s holds a
// single quote and no double quote, backslash escapes for the quote, the
// backslash, \n, \r, \t and other control characters.
func Str(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteByte(q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// StrList returns repr(ss) for a Python list of str: "['a', 'b']".
func StrList(ss []string) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = Str(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
