package query

// Search is a parsed search request: its filter, its order scoped to the
// request (so a page token of another request is refused), and the cursor
// a page token resumes after (nil for the first page). Every search of
// runs, experiments, registered models and model versions is one.
type Search struct {
	Filter *Filter
	Order  *Order
	Cursor *Cursor
}

// ParseSearch parses a search over e: filter text, order_by list and page
// token. scope returns, from the parsed filter, the text that binds a page
// token to this request (the filter and whatever else selects rows, such
// as experiment ids or a view). Errors are this package's (ErrInvalid).
func ParseSearch(e Entity, filter string, orderBy []string, scope func(*Filter) string, token string) (*Search, error) {
	f, err := ParseFilter(e, filter)
	if err != nil {
		return nil, err
	}
	o, err := ParseOrderBy(e, orderBy)
	if err != nil {
		return nil, err
	}
	o = o.WithScope(scope(f))
	c, err := o.ParseToken(token)
	if err != nil {
		return nil, err
	}
	return &Search{Filter: f, Order: o, Cursor: c}, nil
}

// Admit returns r's order key and whether r belongs on this page or a
// later one: it matches the filter and comes after the cursor.
func (s *Search) Admit(r Record) (Key, bool) {
	if !s.Filter.Match(r) {
		return Key{}, false
	}
	k := s.Order.Key(r)
	if s.Cursor != nil && !s.Cursor.AfterKey(k) {
		return Key{}, false
	}
	return k, true
}

// Collector gathers the values whose records a Search admits, for Page.
type Collector[T any] struct {
	s    *Search
	rows []Keyed[T]
}

// Collect returns an empty Collector for s.
func Collect[T any](s *Search) *Collector[T] { return &Collector[T]{s: s} }

// Offer keeps v when s admits its record r.
func (c *Collector[T]) Offer(r Record, v T) {
	if k, ok := c.s.Admit(r); ok {
		c.rows = append(c.rows, Keyed[T]{Key: k, Value: v})
	}
}

// Reset forgets what was offered (for a read transaction that retries).
func (c *Collector[T]) Reset() { c.rows = c.rows[:0] }

// Page returns the first max values in order and the next page's token
// ("" when there is none); see the function Page.
func (c *Collector[T]) Page(max int) ([]T, string) { return Page(c.s.Order, c.rows, max) }
