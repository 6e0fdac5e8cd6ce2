package run

import "github.com/mlite/mlite/query"

// Order is a parsed order_by list of a run search.
type Order = query.Order

// ParseOrderBy parses a run search's order_by items, such as
// ["metrics.auc DESC", "attributes.start_time"], as SearchRuns would; an
// error wraps ErrBadQuery. The empty list is the default order.
func ParseOrderBy(items []string) (*Order, error) { return query.ParseOrderBy(query.Runs, items) }
