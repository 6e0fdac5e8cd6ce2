package creditdemo

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
)

// Loan is one applicant of the credit-default data set: the eight features a
// model sees. The mlflow and json tags are the column names of the model
// signature and of scoring requests.
type Loan struct {
	Income            float64 `mlflow:"income" json:"income"`
	DebtToIncome      float64 `mlflow:"debt_to_income" json:"debt_to_income"`
	CreditUtilization float64 `mlflow:"credit_utilization" json:"credit_utilization"`
	Age               int64   `mlflow:"age" json:"age"`
	LatePayments12m   int64   `mlflow:"late_payments_12m" json:"late_payments_12m"`
	OpenAccounts      int64   `mlflow:"open_accounts" json:"open_accounts"`
	LoanAmount        float64 `mlflow:"loan_amount" json:"loan_amount"`
	EmploymentYears   int64   `mlflow:"employment_years" json:"employment_years"`
}

// FeatureNames are the features of a Loan in the order of Loan.Vector.
var FeatureNames = []string{
	"income", "debt_to_income", "credit_utilization", "age",
	"late_payments_12m", "open_accounts", "loan_amount", "employment_years",
}

// Vector returns the loan's features in the order of FeatureNames.
func (l Loan) Vector() []float64 {
	return []float64{
		l.Income, l.DebtToIncome, l.CreditUtilization, float64(l.Age),
		float64(l.LatePayments12m), float64(l.OpenAccounts), l.LoanAmount, float64(l.EmploymentYears),
	}
}

// Dataset is a set of loans with their labels (1: the loan defaulted).
type Dataset struct {
	Rows []Loan
	X    [][]float64 // Rows[i].Vector()
	Y    []uint8
}

// Len returns the number of rows.
func (d *Dataset) Len() int { return len(d.Y) }

// Positives returns the number of defaults.
func (d *Dataset) Positives() int {
	n := 0
	for _, y := range d.Y {
		n += int(y)
	}
	return n
}

// PositiveRate returns the share of defaults.
func (d *Dataset) PositiveRate() float64 {
	if d.Len() == 0 {
		return 0
	}
	return float64(d.Positives()) / float64(d.Len())
}

// Slice returns rows [i, j) as a Dataset sharing d's memory.
func (d *Dataset) Slice(i, j int) *Dataset {
	return &Dataset{Rows: d.Rows[i:j], X: d.X[i:j], Y: d.Y[i:j]}
}

// Digest returns a hex SHA-256 of the rows and labels, the dataset's identity
// in the store (MLflow's dataset digest).
func (d *Dataset) Digest() string {
	h := sha256.New()
	var buf [8]byte
	for i, x := range d.X {
		for _, v := range x {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			h.Write(buf[:])
		}
		h.Write([]byte{d.Y[i]})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// groundTruthBias sets the base default rate of Generate (about 6.3%).
const groundTruthBias = -5.3

// Generate returns n loans drawn from a fixed generative model with seed:
// the same seed gives the same rows. Defaults follow a nonlinear ground truth
// (a utilization cliff, saturating late payments, a debt-to-income hinge,
// an income-by-loan interaction and a U-shaped age effect) plus noise, so that
// a linear model cannot capture all of it, and they are rare: about 5 to 8%.
func Generate(seed int64, n int) *Dataset {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6d6c697465)) // "mlite"
	n = max(n, 0)
	d := &Dataset{Rows: make([]Loan, n), X: make([][]float64, n), Y: make([]uint8, n)}
	for i := range n {
		age := clamp(math.Round(41+12*rng.NormFloat64()), 21, 75)
		income := math.Round(math.Exp(10.8 + 0.45*rng.NormFloat64() + 0.006*(age-40)))
		emp := math.Floor(math.Min(age-18, rng.ExpFloat64()*7))
		dti := clamp(0.32+0.12*rng.NormFloat64()-0.05*math.Log(income/50000), 0.01, 0.95)
		util := clamp(0.30+0.22*rng.NormFloat64()+0.25*(dti-0.32), 0, 1)
		late := float64(poisson(rng, 0.15+1.6*util*util))
		accounts := float64(poisson(rng, 4.5))
		loan := math.Round(income * clamp(0.08+0.35*rng.Float64()+0.25*dti, 0.02, 1.2))

		z := groundTruthBias
		if util > 0.75 {
			z += 3.5 // a cliff linear models smear out
		}
		z += 0.5 * util
		z += 1.4 * math.Min(late, 3)
		z += 12 * math.Max(0, dti-0.42)
		if loan/income > 0.45 && income < 45000 {
			z += 3.0
		}
		z += 0.005 * (age - 44) * (age - 44)
		z -= 0.18 * math.Min(emp, 8)
		z += 0.1 * math.Max(0, accounts-8)
		z += 0.3 * rng.NormFloat64()

		var y uint8
		if rng.Float64() < sigmoid(z) {
			y = 1
		}
		l := Loan{
			Income: income, DebtToIncome: round(dti, 3), CreditUtilization: round(util, 3),
			Age: int64(age), LatePayments12m: int64(late), OpenAccounts: int64(accounts),
			LoanAmount: loan, EmploymentYears: int64(emp),
		}
		d.Rows[i], d.X[i], d.Y[i] = l, l.Vector(), y
	}
	return d
}

// poisson draws from a Poisson distribution with a small mean (Knuth).
func poisson(rng *rand.Rand, mean float64) int {
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l || k >= 50 {
			return k
		}
		k++
	}
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
