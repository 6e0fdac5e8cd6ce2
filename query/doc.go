// Package query is mlite's search language: MLflow's filter and order_by
// syntax for runs, experiments, registered models and model versions, plus a
// few clearly marked extensions. It parses and type-checks a filter once,
// compiles it into small closures, and evaluates it against rows the caller
// provides through the Record interface. It also orders rows (ParseOrderBy)
// and makes keyset page tokens that stay correct while other writers add rows.
//
// The library, the CLI, the web viewer and the MLflow REST API all use the
// same compiled predicate, so a filter means the same everywhere.
//
// query is pure: it imports only the standard library, never a sibling
// package. It knows nothing about storage; the stores decode the fields a
// filter or an order needs (Filter.Needs, Order.Needs) and implement Record.
//
// # Vocabulary
//
//   - Entity: what is searched (Runs, Experiments, RegisteredModels, ModelVersions,
//     LoggedModels).
//   - Identifier: `<type>.<key>` naming a metric, param, tag, attribute or dataset
//     field; split on the first '.'; no type prefix means an attribute.
//   - Comparison: `identifier comparator value`, the identifier on the left.
//   - Filter: comparisons joined by AND (and, as extensions, OR, NOT, parentheses).
//   - Order: an order_by list plus the entity's tie-breaks; Compare, Token, Cursor.
//   - Record: one row as the filter sees it; Needs: the fields a filter reads.
//
// # Grammar
//
// Keywords (AND, OR, NOT, IN, LIKE, ILIKE, IS, NULL, ASC, DESC) and aggregate
// names are case-insensitive; type prefixes, attribute names and keys are not.
//
//	filter     = [ or ] .
//	or         = and { "OR" and } .                          (OR: extension)
//	and        = not { "AND" not } .
//	not        = "NOT" not | primary .                       (NOT: extension)
//	primary    = "(" or ")" | comparison .                   (parentheses: extension)
//	comparison = operand cmpop value
//	           | operand [ "NOT" ] "IN" list
//	           | operand "IS" [ "NOT" ] "NULL" .             (IS NULL: extension)
//	operand    = identifier | agg "(" identifier ")" .       (aggregates: extension)
//	agg        = "min" | "max" | "last" | "count" | "avg" .
//	identifier = name                                        (an attribute)
//	           | type "." key .
//	type       = bare | "`" text "`" .
//	key        = bare { "." bare } | "`" text "`" | `"` text `"` .
//	name       = bare | "`" text "`" | `"` text `"` .
//	cmpop      = "=" | "!=" | "<" | "<=" | ">" | ">="
//	           | [ "NOT" ] "LIKE" | [ "NOT" ] "ILIKE" .      (NOT LIKE/ILIKE: extension)
//	value      = string | number .
//	list       = "(" string { "," string } ")" .
//	string     = "'" text "'" | `"` text `"` .
//	number     = [ "-" ] ( digits [ "." [ digits ] ] | "." digits ) [ ( "e" | "E" ) [ "+" | "-" ] digits ] .
//	bare       = letter-or-_ { letter | digit | "_" } .      (after a '.', a part may start with a digit)
//
// No space may surround the dots of an identifier. A number is an integer when
// it has no '.' and no exponent; numeric attributes compare integers exactly.
//
// Inside quotes a doubled quote character stands for one; backslashes are
// ordinary characters in strings:
//
//	params.note = 'it''s'        the value it's
//	tags.`a``b` = "say ""hi"""   the key a`b, the value say "hi"
//
// An order_by item is `operand [ASC|DESC]`.
//
// # Types, keys and comparators (MLflow's rules)
//
// Runs accept the type prefixes metric|metrics, parameter|parameters|param|params,
// tag|tags, attribute|attributes|attr|run and dataset|datasets, bare or in
// backticks (`metric`.a). Experiments, registered models and model versions
// accept attribute, tag and tags. Keys with spaces, dots, dashes or other
// characters are quoted with backticks or double quotes (metrics.`val loss`,
// params."p.a.r.a.m"); a bare dotted key (tags.mlflow.runName) is the key
// "mlflow.runName".
//
//	metric                 =, !=, <, <=, >, >=   number; compares the latest value
//	param, tag             =, !=, LIKE, ILIKE    string
//	string attribute       =, !=, LIKE, ILIKE    string; IN/NOT IN only where listed
//	numeric attribute      =, !=, <, <=, >, >=   number
//	datasets.name|digest|context  =, !=, LIKE, ILIKE, IN, NOT IN   string
//
// Attributes per entity, aliases in parentheses (the canonical name passed to
// Record.Attr is the first spelling, except source_path which reads "source"):
//
//	runs               run_id (IN, NOT IN), run_name ("run name", "Run name", "Run Name"),
//	                   user_id, status, artifact_uri, start_time (created, Created), end_time;
//	                   order_by: the same
//	experiments        name, creation_time, last_update_time;
//	                   order_by: those and experiment_id
//	registered models  name;
//	                   order_by: name, creation_timestamp, last_updated_timestamp (timestamp)
//	model versions     name, run_id (IN), source_path, version_number;
//	                   order_by: name, version_number, creation_timestamp, last_updated_timestamp
//	logged models      name, model_id, model_type, status, source_run_id (these five with IN,
//	                   NOT IN), artifact_location, experiment_id, creation_timestamp
//	                   (creation_time, creation_timestamp_ms), last_updated_timestamp
//	                   (last_updated_timestamp_ms); prefixes metrics, params, tags, attributes
//
// A comparison against a key the row does not have is false (the row is
// excluded), whatever the comparator, != included. Metric comparisons follow
// IEEE 754: NaN is unequal to everything, so `metrics.x != 1` holds for NaN.
// A datasets.* comparison holds if any of the run's dataset inputs satisfies it
// (datasets.context looks only at inputs that have a context).
//
// LIKE is case-sensitive and ILIKE case-insensitive (Unicode simple folding);
// '%' matches any run of characters, '_' exactly one character, and a
// backslash makes the next character literal (`\%`, `\_`, `\\`), as in
// PostgreSQL and MySQL, MLflow's main SQL backends. All other characters are
// literal (MLflow's file store passes them to a regular expression, a bug).
// Equality (=, !=, IN) is exact and case-sensitive.
//
// Run-id lists need no case filtering: MLflow drops list entries with
// upper-case letters because MySQL compares case-insensitively; here
// comparison is exact, which has the same effect on lower-case run ids.
//
// # Order
//
// Rows sort by each key in turn; values first, then NaN, then missing, for
// ASC and DESC alike (MLflow: asc -inf, -1000, 0, 1000, inf, NaN, None; desc
// inf, 1000, 0, -1000, -inf, NaN, None). Numbers sort before strings if a key
// mixes them. Strings compare by bytes (code points). See ParseOrderBy for
// each entity's default order and tie-breaks.
//
// # Extensions (not MLflow)
//
// A filter that uses none of these means exactly what it means to MLflow
// (Filter.UsesExtensions reports whether one is used):
//
//   - OR, with AND binding tighter: `a OR b AND c` is `a OR (b AND c)`.
//   - Parentheses for grouping, nested up to MaxDepth levels.
//   - NOT before a condition. It is two-valued: NOT of a comparison on a
//     missing key is true (use IS NOT NULL to require the key).
//   - IS NULL / IS NOT NULL on any identifier: whether the row has the key
//     (for datasets: whether any input has the field).
//   - NOT LIKE and NOT ILIKE (false on a missing key, like every comparison).
//   - Aggregates over a run metric's whole history in filters and order_by:
//     min(metrics.loss) < 0.2, max(...), avg(...), count(...), last(...)
//     (last = the latest value, the same as metrics.loss). count of a metric
//     never logged is 0. See Agg for how Records compute them.
//   - Double-quoted strings in IN lists.
//   - The run-name aliases are also accepted in order_by.
//
// # Departures from MLflow's parser
//
// MLflow's parser (sqlparse) accepts some malformed filters by accident: a
// dangling or leading AND, two comparisons with no AND between them. These are
// errors here. A backslash inside a string does not escape the quote ('a\'b'
// is 'a\' followed by garbage); MLflow would keep the backslash in the value,
// which then matches nothing anyway. Whitespace around an order_by item is
// ignored (MLflow rejects a trailing space). An offset page token of 0 is
// accepted.
//
// # Errors and page tokens
//
// Every error is an *Error that names the problem, its line and column, and
// renders the input line with a caret under the offending token; all match
// ErrInvalid. Order.Token makes opaque keyset tokens (see token.go's format
// comment); OffsetToken and ParseOffsetToken speak MLflow's base64 JSON
// {"offset": N} for REST compatibility.
package query
