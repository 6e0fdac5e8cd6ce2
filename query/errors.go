package query

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is matched (errors.Is) by every error this package returns: a
// filter, an order_by item or a page token that does not parse or does not
// type-check.
var ErrInvalid = errors.New("query: invalid search")

// Error is a syntax or type error in a filter, an order_by item or a page token.
// It names the problem and where it is. Error() renders the message, then the
// offending input line with a caret under the offending token:
//
//	query: line 1, col 14: unknown comparator '=>' for metric; did you mean '>='?
//	metrics.loss => 1
//	             ^
type Error struct {
	// Line and Col are 1-based; Col counts characters (runes), not bytes.
	// Both are 0 when the error has no position (page tokens).
	Line, Col int
	// Item is the 1-based index of the order_by item the error is in, or 0.
	Item int
	// Msg says what is wrong, without the position prefix.
	Msg string
	// Input is the whole string that was parsed (the filter, the order_by item,
	// or the token).
	Input string
}

// Error renders the message with its position, the offending line and a caret.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("query: ")
	switch {
	case e.Line == 0:
	case e.Item > 0:
		fmt.Fprintf(&b, "order_by item %d, col %d: ", e.Item, e.Col)
	default:
		fmt.Fprintf(&b, "line %d, col %d: ", e.Line, e.Col)
	}
	b.WriteString(e.Msg)
	if e.Line > 0 {
		line := nthLine(e.Input, e.Line)
		b.WriteByte('\n')
		b.WriteString(line)
		b.WriteByte('\n')
		// Copy tabs from the line so the caret lines up under tab-indented input.
		n := 0
		for _, r := range line {
			if n >= e.Col-1 {
				break
			}
			if r == '\t' {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
			n++
		}
		for ; n < e.Col-1; n++ {
			b.WriteByte(' ')
		}
		b.WriteByte('^')
	}
	return b.String()
}

// Unwrap returns ErrInvalid so that errors.Is(err, ErrInvalid) holds.
func (e *Error) Unwrap() error { return ErrInvalid }

// nthLine returns the 1-based line n of s, without its newline.
func nthLine(s string, n int) string {
	for i := 1; i < n; i++ {
		j := strings.IndexByte(s, '\n')
		if j < 0 {
			return ""
		}
		s = s[j+1:]
	}
	if j := strings.IndexByte(s, '\n'); j >= 0 {
		s = s[:j]
	}
	return strings.TrimSuffix(s, "\r")
}

// errAt builds an *Error at byte offset off of input.
func errAt(input string, off int, format string, args ...any) *Error {
	if off > len(input) {
		off = len(input)
	}
	if off < 0 {
		off = 0
	}
	line, col := 1, 1
	lineStart := 0
	for i := 0; i < off; i++ {
		if input[i] == '\n' {
			line++
			lineStart = i + 1
		}
	}
	col = utf8.RuneCountInString(input[lineStart:off]) + 1
	return &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...), Input: input}
}

// asError returns err as an *Error, wrapping any other error (there should be
// none) so that callers still see a positioned ErrInvalid.
func asError(err error, input string) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Msg: err.Error(), Input: input}
}

// tokenError builds a positionless error about a page token.
func tokenError(tok string, format string, args ...any) *Error {
	return &Error{Msg: "invalid page token: " + fmt.Sprintf(format, args...), Input: tok}
}

// suggest returns the candidate closest to s by edit distance (case-insensitive)
// when it is close enough to be a likely typo, or "".
func suggest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	ls := strings.ToLower(s)
	if len(ls) > 64 {
		return ""
	}
	for _, c := range candidates {
		d := editDistance(ls, strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := 1
	if n := utf8.RuneCountInString(s); n >= 5 {
		limit = 2
	}
	if n := utf8.RuneCountInString(s); n >= 9 {
		limit = 3
	}
	if bestD <= limit {
		return best
	}
	return ""
}

// didYouMean renders a suggestion suffix ("; did you mean 'x'?") or "".
func didYouMean(s string, candidates []string) string {
	if m := suggest(s, candidates); m != "" {
		return "; did you mean '" + m + "'?"
	}
	return ""
}

// editDistance is the Damerau-Levenshtein distance (adjacent transpositions
// count 1) between a and b, by runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// SuggestKey returns the key among candidates a user most likely meant by
// s, or "": the closest by edit distance when it is a likely typo, else the
// shortest candidate that holds s as a whole word (auc in val_auc, lr in
// lr_decay; words are split at _ . - / and spaces).
func SuggestKey(s string, candidates []string) string {
	if m := suggest(s, candidates); m != "" {
		return m
	}
	ls := strings.ToLower(s)
	if ls == "" {
		return ""
	}
	best := ""
	for _, c := range candidates {
		lc := strings.ToLower(c)
		for i := strings.Index(lc, ls); i >= 0; {
			end := i + len(ls)
			if (i == 0 || isKeySep(lc[i-1])) && (end == len(lc) || isKeySep(lc[end])) {
				if best == "" || len(c) < len(best) || (len(c) == len(best) && c < best) {
					best = c
				}
				break
			}
			j := strings.Index(lc[i+1:], ls)
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
	return best
}

func isKeySep(b byte) bool { return b == '_' || b == '.' || b == '-' || b == '/' || b == ' ' }
