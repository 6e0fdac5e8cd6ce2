package creditdemo

import (
	"reflect"
	"testing"
)

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(7, 2000), Generate(7, 2000)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Generate(7, 2000) twice: the data sets differ")
	}
	if a.Digest() != b.Digest() {
		t.Fatalf("digests %s and %s of the same data", a.Digest(), b.Digest())
	}
	c := Generate(8, 2000)
	if reflect.DeepEqual(a.Y, c.Y) || a.Digest() == c.Digest() {
		t.Fatalf("seeds 7 and 8 gave the same data (digest %s)", a.Digest())
	}
	// A shorter set is a prefix: rows do not depend on n.
	if d := Generate(7, 500); !reflect.DeepEqual(d.Rows, a.Rows[:500]) {
		t.Fatal("Generate(7, 500) is not the first 500 rows of Generate(7, 2000)")
	}
}

func TestGenerateImbalance(t *testing.T) {
	for _, seed := range []int64{1, 2, 3, DefaultSeed, 1234567} {
		d := Generate(seed, Rows)
		if r := d.PositiveRate(); r < 0.05 || r > 0.08 {
			t.Errorf("Generate(%d, %d): default rate %.4f, want within [0.05, 0.08]", seed, Rows, r)
		}
		tr, va := d.Slice(0, TrainRows), d.Slice(TrainRows, Rows)
		if tr.Positives()+va.Positives() != d.Positives() {
			t.Errorf("seed %d: split positives %d + %d != %d", seed, tr.Positives(), va.Positives(), d.Positives())
		}
	}
}

func TestGenerateRanges(t *testing.T) {
	d := Generate(3, 5000)
	for i, l := range d.Rows {
		if l.Age < 21 || l.Age > 75 || l.Income <= 0 || l.LoanAmount <= 0 || l.EmploymentYears < 0 ||
			l.EmploymentYears > l.Age-18 || l.DebtToIncome <= 0 || l.DebtToIncome >= 1 ||
			l.CreditUtilization < 0 || l.CreditUtilization > 1 || l.LatePayments12m < 0 || l.OpenAccounts < 0 {
			t.Fatalf("row %d out of range: %+v", i, l)
		}
		if v := l.Vector(); len(v) != len(FeatureNames) || !reflect.DeepEqual(v, d.X[i]) {
			t.Fatalf("row %d: Vector %v, X %v", i, v, d.X[i])
		}
	}
}
