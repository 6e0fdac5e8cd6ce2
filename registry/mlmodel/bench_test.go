package mlmodel

import (
	"fmt"
	"testing"
)

// BenchmarkEnforce checks 1000 records of 10 columns, as a scoring
// request's dataframe_records decodes them from JSON (numbers as float64).
func BenchmarkEnforce(b *testing.B) {
	kinds := []Kind{Long, Double, Double, Integer, Float, String, Boolean, Double, Long, String}
	s := &Schema{}
	for i, k := range kinds {
		s.Cols = append(s.Cols, Col(fmt.Sprintf("c%d", i), k))
	}
	rows := make([]map[string]any, 1000)
	for r := range rows {
		row := make(map[string]any, len(kinds))
		for i, k := range kinds {
			name := fmt.Sprintf("c%d", i)
			switch k {
			case Long, Integer:
				row[name] = float64(r + i)
			case Double, Float:
				row[name] = float64(r) * 0.25
			case String:
				row[name] = "category-a"
			case Boolean:
				row[name] = r%2 == 0
			}
		}
		rows[r] = row
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Enforce(rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(rows))/b.Elapsed().Seconds(), "rows/s")
}
