package query

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// LIKE patterns: '%' matches any run of characters (possibly none), '_' exactly
// one character (a Unicode code point), and a backslash makes the next
// character literal (`\%`, `\_`, `\\`); a trailing lone backslash is a literal
// backslash. Every other character, regular-expression metacharacters
// included, stands for itself.

const (
	likeAny = -1 // %
	likeOne = -2 // _
)

// likeShape is the fast path a compiled pattern takes.
type likeShape uint8

const (
	likeGeneral  likeShape = iota
	likeExact              // lit
	likePrefix             // lit%
	likeSuffix             // %lit
	likeContains           // %lit%
	likeAll                // %
)

// likeMatcher is a precompiled LIKE or ILIKE pattern. Matching never allocates.
type likeMatcher struct {
	pat   []rune // literal runes, likeAny, likeOne; runs of likeAny collapsed
	fold  bool   // ILIKE: compare with Unicode simple case folding
	shape likeShape
	lit   string // the literal text for the fast shapes
}

func compileLike(pattern string, fold bool) *likeMatcher {
	m := &likeMatcher{fold: fold}
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		i += n
		switch r {
		case '%':
			if len(m.pat) > 0 && m.pat[len(m.pat)-1] == likeAny {
				continue
			}
			m.pat = append(m.pat, likeAny)
		case '_':
			m.pat = append(m.pat, likeOne)
		case '\\':
			if i < len(pattern) {
				r, n = utf8.DecodeRuneInString(pattern[i:])
				i += n
			}
			m.pat = append(m.pat, r)
		default:
			m.pat = append(m.pat, r)
		}
	}
	m.shape = likeGeneral
	lit := m.pat
	lead := len(lit) > 0 && lit[0] == likeAny
	if lead {
		lit = lit[1:]
	}
	trail := len(lit) > 0 && lit[len(lit)-1] == likeAny
	if trail {
		lit = lit[:len(lit)-1]
	}
	for _, r := range lit {
		if r < 0 {
			return m // wildcards inside: general matcher
		}
	}
	m.lit = string(lit)
	switch {
	case lead && !trail && len(lit) == 0:
		m.shape = likeAll
	case lead && trail:
		m.shape = likeContains
	case lead:
		m.shape = likeSuffix
	case trail:
		m.shape = likePrefix
	default:
		m.shape = likeExact
	}
	if fold && m.shape != likeAll {
		// The fast shapes compare bytes; case folding can change byte lengths,
		// so ILIKE uses them only for ASCII-only text of pattern and subject.
		m.shape = likeGeneral
	}
	return m
}

// match reports whether s matches the pattern.
func (m *likeMatcher) match(s string) bool {
	switch m.shape {
	case likeAll:
		return true
	case likeExact:
		return s == m.lit
	case likePrefix:
		return strings.HasPrefix(s, m.lit)
	case likeSuffix:
		return strings.HasSuffix(s, m.lit)
	case likeContains:
		return strings.Contains(s, m.lit)
	}
	return m.general(s)
}

// general is the classic greedy wildcard match with one backtrack point: on a
// mismatch after a '%', retry with the '%' swallowing one more character. It
// runs in O(len(s)·len(pat)) at worst and never recurses or allocates.
func (m *likeMatcher) general(s string) bool {
	p := m.pat
	pi, si := 0, 0
	starPi, starSi := -1, 0
	for si < len(s) {
		r, size := utf8.DecodeRuneInString(s[si:])
		if pi < len(p) {
			c := p[pi]
			switch {
			case c == likeAny:
				starPi, starSi = pi, si
				pi++
				continue
			case c == likeOne:
				pi++
				si += size
				continue
			case c == r || (m.fold && foldEq(c, r)):
				pi++
				si += size
				continue
			}
		}
		if starPi < 0 {
			return false
		}
		pi = starPi + 1
		_, n := utf8.DecodeRuneInString(s[starSi:])
		starSi += n
		si = starSi
	}
	for pi < len(p) && p[pi] == likeAny {
		pi++
	}
	return pi == len(p)
}

// foldEq reports whether a and b are equal under Unicode simple case folding.
func foldEq(a, b rune) bool {
	if a == b {
		return true
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	if a < 0 || b < 0 {
		return false
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}
