package query

import "slices"

// Keyed is a search result with its order key.
type Keyed[T any] struct {
	Key   Key
	Value T
}

// Page sorts rows by o, keeps the first max and returns them with the
// token of the next page ("" when there is none), as a search that
// collected every match after its cursor does.
func Page[T any](o *Order, rows []Keyed[T], max int) ([]T, string) {
	slices.SortFunc(rows, func(a, b Keyed[T]) int { return o.CompareKeys(a.Key, b.Key) })
	next := ""
	if len(rows) > max {
		rows = rows[:max]
		next = o.TokenFromKey(rows[len(rows)-1].Key)
	}
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = r.Value
	}
	return out, next
}
