package runname

import (
	"math/rand/v2"
	"strconv"
)

// MaxLength is the longest name New returns. MLflow draws again (and, after
// ten draws, truncates) when a generated name is longer than 20 characters;
// mlite's word lists are short enough that no name ever is.
const MaxLength = 20

// MaxNumber is the largest number in a name. MLflow draws it with Python's
// random.randint(0, 1000), whose upper bound is inclusive, so 1000 turns up
// once in 1001 names there; mlite keeps to three digits.
const MaxNumber = 999

// New returns a fresh run name such as "dashing-owl-417", drawing from r, or
// from the package's own source (safe for concurrent use) when r is nil.
// A *rand.Rand is not safe for concurrent use: callers sharing one must
// serialise their calls.
func New(r *rand.Rand) string {
	var a, n, num int
	if r == nil {
		a, n, num = rand.IntN(len(adjectives)), rand.IntN(len(nouns)), rand.IntN(MaxNumber+1)
	} else {
		a, n, num = r.IntN(len(adjectives)), r.IntN(len(nouns)), r.IntN(MaxNumber+1)
	}
	b := make([]byte, 0, MaxLength)
	b = append(b, adjectives[a]...)
	b = append(b, '-')
	b = append(b, nouns[n]...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(num), 10)
	return string(b)
}
