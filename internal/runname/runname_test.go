package runname

import (
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mlite/mlite/internal/validate"
)

var form = regexp.MustCompile(`^([a-z]+)-([a-z]+)-(0|[1-9][0-9]{0,2})$`)

func TestForm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	numbers := map[int]bool{}
	for range 20000 {
		name := New(r)
		m := form.FindStringSubmatch(name)
		if m == nil {
			t.Fatalf("New: got %q, want adjective-noun-number matching %s", name, form)
		}
		if len(name) > MaxLength {
			t.Fatalf("New: got %q (%d characters), want at most %d", name, len(name), MaxLength)
		}
		n, _ := strconv.Atoi(m[3])
		numbers[n] = true
		if err := validate.TagValue("mlflow.runName", name); err != nil {
			t.Fatalf("New: got %q, which validate.TagValue rejects: %v", name, err)
		}
	}
	if !numbers[0] || !numbers[MaxNumber] {
		t.Errorf("20000 names: got 0 seen %v, %d seen %v; want both", numbers[0], MaxNumber, numbers[MaxNumber])
	}
	if len(numbers) != MaxNumber+1 {
		t.Errorf("20000 names: got %d distinct numbers, want %d", len(numbers), MaxNumber+1)
	}
}

func TestDeterministic(t *testing.T) {
	a := rand.New(rand.NewPCG(42, 7))
	b := rand.New(rand.NewPCG(42, 7))
	for i := range 100 {
		if x, y := New(a), New(b); x != y {
			t.Fatalf("name %d with equal seeds: got %q and %q, want equal", i, x, y)
		}
	}
	// A fixed seed gives a fixed name (until the word lists change).
	if got, want := New(rand.New(rand.NewPCG(1, 2))), firstWithSeed12; got != want {
		t.Errorf("New(PCG(1, 2)): got %q, want %q", got, want)
	}
}

// firstWithSeed12 is New's first name from rand.NewPCG(1, 2).
const firstWithSeed12 = "silent-moose-784"

func TestNilSourceConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	seen := make(chan string, 800)
	for range 8 {
		wg.Go(func() {
			for range 100 {
				seen <- New(nil)
			}
		})
	}
	wg.Wait()
	close(seen)
	distinct := map[string]bool{}
	for name := range seen {
		if !form.MatchString(name) {
			t.Fatalf("New(nil): got %q, want it to match %s", name, form)
		}
		distinct[name] = true
	}
	if len(distinct) < 700 { // ~10 million names: 800 draws collide a few times at most
		t.Errorf("New(nil) 800 times: got %d distinct names, want nearly 800", len(distinct))
	}
}

func TestWordLists(t *testing.T) {
	lists := []struct {
		name  string
		words []string
		max   int
	}{
		{"adjectives", adjectives[:], maxAdjective},
		{"nouns", nouns[:], maxNoun},
	}
	if maxAdjective+1+maxNoun+1+len(strconv.Itoa(MaxNumber)) > MaxLength {
		t.Fatalf("word bounds %d+%d allow names longer than %d", maxAdjective, maxNoun, MaxLength)
	}
	for _, l := range lists {
		if len(l.words) < 100 {
			t.Errorf("%s: got %d words, want at least 100", l.name, len(l.words))
		}
		seen := map[string]bool{}
		for _, w := range l.words {
			if seen[w] {
				t.Errorf("%s: %q appears twice", l.name, w)
			}
			seen[w] = true
			if w == "" || len(w) > l.max || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
				t.Errorf("%s: got %q, want 1..%d lowercase ASCII letters", l.name, w, l.max)
			}
		}
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	r := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		_ = New(r)
	}
}
