package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
)

// Protocol 2 sends a page's ops as runs (PROTOCOL.md, "Protocol 2"): consecutive ops of one kind, table and bucket
// whose rows have the same fields share one header, each row is a JSON array, the row's id and version appear once
// (not again inside its data), and a field or version every row of the run shares is sent once for the run.

// Run is a sequence of ops of the same kind, table and bucket, in the order of the page.
type Run struct {
	Op    string `json:"op"`
	Table string `json:"t"`
	Class string `json:"c"`
	Scope string `json:"s"`
	Path  string `json:"p,omitempty"`
	Part  string `json:"m,omitempty"`
	// Version, when set, is every row's version; the rows then leave it out.
	Version int64 `json:"v,omitempty"`
	// Same are the fields whose value is the same in every row of the run (put only).
	Same map[string]json.RawMessage `json:"same,omitempty"`
	// Cols names the other fields, in the order of each row's values (put only).
	Cols []string `json:"cols,omitempty"`
	// Rows are [id, version (unless Version is set), the values of Cols…].
	Rows [][]json.RawMessage `json:"rows"`
}

// member is one top-level member of a JSON object: its key (unquoted; keys of the rows' JSON have no escapes) and
// its raw value, both slices of the object (a key made a string cost an allocation per field of every row).
type member struct {
	key []byte
	val []byte
}

// members splits a JSON object into its top-level members, in order, without decoding the values. It reports
// false for anything but an object whose keys need no unescaping.
func members(obj []byte, out []member) ([]member, bool) {
	end, out, ok := membersAt(obj, skipSpace(obj, 0), out)
	return out, ok && skipSpace(obj, end) == len(obj)
}

// membersAt is members for the object that starts at obj[i]; it returns the object's end too.
func membersAt(obj []byte, i int, out []member) (int, []member, bool) {
	if i >= len(obj) || obj[i] != '{' {
		return i, out, false
	}
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return i + 1, out, true
	}
	for i < len(obj) {
		if obj[i] != '"' {
			return i, out, false
		}
		end := bytes.IndexByte(obj[i+1:], '"')
		if end < 0 {
			return i, out, false
		}
		key := obj[i+1 : i+1+end]
		if bytes.IndexByte(key, '\\') >= 0 {
			return i, out, false
		}
		i = skipSpace(obj, i+2+end)
		if i >= len(obj) || obj[i] != ':' {
			return i, out, false
		}
		i = skipSpace(obj, i+1)
		j, ok := skipValue(obj, i)
		if !ok {
			return i, out, false
		}
		out = append(out, member{key: key, val: obj[i:j]})
		i = skipSpace(obj, j)
		if i >= len(obj) {
			return i, out, false
		}
		if obj[i] == '}' {
			return i + 1, out, true
		}
		if obj[i] != ',' {
			return i, out, false
		}
		i = skipSpace(obj, i+1)
	}
	return i, out, false
}

// EachField calls fn with each top-level member of the JSON object obj, in order: its key and its value's raw JSON.
// It reports false for anything but an object whose keys need no unescaping (the rows' JSON always is).
func EachField(obj []byte, fn func(key string, val []byte)) bool {
	var room [32]member // a row's members, without growing a slice on the heap for each row
	ms, ok := members(obj, room[:0])
	if !ok {
		return false
	}
	for _, m := range ms {
		fn(string(m.key), m.val)
	}
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at i.
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			for j < len(b) && !nestStop[b[j]] {
				j++
			}
			if j >= len(b) {
				break
			}
			switch b[j] {
			case '"':
				end, ok := skipString(b, j)
				if !ok {
					return end, false
				}
				j = end - 1
			case '{', '[':
				depth++
			default: // '}', ']'
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return len(b), false
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
			j++
		}
		return j, j > i
	}
}

// nestStop marks the bytes skipValue stops at inside an object or array: a string's opening quote, and the
// brackets that open and close a level.
var nestStop = func() (t [256]bool) {
	for _, c := range `"{}[]` {
		t[c] = true
	}
	return t
}()

// skipString returns the end of the JSON string whose opening quote is at i: the first quote after it that is not
// escaped (preceded by an odd number of backslashes), found by the run (bytes.IndexByte) rather than byte by byte.
func skipString(b []byte, i int) (int, bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b), false
		}
		q := j + k
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, true
		}
		j = q + 1
	}
}

// opRow is an op ready to go into a run: its data's fields other than an id and version equal to the op's.
type opRow struct {
	op      *Op
	fields  []member
	keys    string // the fields' keys, joined: ops whose rows have other fields start another run
	derived bool   // the id is the one the protocol derives from the row's fields (DerivedID)
}

// AppendJSONRuns appends the response as protocol 2: the ops as runs. Protocol must already say 2.
func (r *PullResponse) AppendJSONRuns(b []byte) ([]byte, error) {
	return r.spliceOps(b, r.appendRuns)
}

// appendRuns appends "runs":[…], protocol 2's rows.
func (r *PullResponse) appendRuns(b []byte) ([]byte, error) {
	b = append(b, `"runs":[`...)
	rows := make([]opRow, len(r.Ops))
	var scratch, slab []member
	var keys []byte
	var version [20]byte
	for k := range r.Ops {
		op := &r.Ops[k]
		rows[k].op = op
		if op.Op != OpPut || len(op.Data) == 0 {
			continue
		}
		var ok bool
		scratch, ok = members(op.Data, scratch[:0])
		if !ok {
			return nil, fmt.Errorf("wire: the data of %s/%s is not a JSON object", op.Table, op.ID)
		}
		// The rows' fields are cut from a few slabs rather than a slice of their own each, and a row whose keys
		// are the ones of the row before shares their string: a page has thousands of rows.
		if cap(slab)-len(slab) < len(scratch) {
			slab = make([]member, 0, max(256*len(scratch), 64))
		}
		from := len(slab)
		keys = keys[:0]
		v := strconv.AppendInt(version[:0], op.Version, 10)
		for _, m := range scratch {
			if (string(m.key) == "id" && op.ID != "" && isString(m.val, op.ID)) ||
				(string(m.key) == "version" && bytes.Equal(m.val, v)) {
				continue
			}
			slab = append(slab, m)
			keys = append(append(keys, m.key...), 0)
		}
		fields := slab[from:len(slab):len(slab)]
		if k > 0 && rows[k-1].keys == string(keys) {
			rows[k].fields, rows[k].keys = fields, rows[k-1].keys
		} else {
			rows[k].fields, rows[k].keys = fields, string(keys)
		}
		rows[k].derived = derivable(op.Table, fields, op.ID)
	}
	first := true
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && sameRun(rows[start], rows[end]) {
			end++
		}
		for _, run := range splitRun(rows[start:end]) {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendRun(b, run)
		}
		start = end
	}
	return append(b, ']'), nil
}

func sameRun(a, b opRow) bool {
	x, y := a.op, b.op
	return x.Op == y.Op && x.Table == y.Table && x.Class == y.Class && x.Scope == y.Scope && x.Path == y.Path &&
		x.Part == y.Part && a.keys == b.keys && (len(x.Data) == 0) == (len(y.Data) == 0)
}

// splitRun cuts a sequence of rows that could make one run where a field that stays the same over long
// stretches of it changes (a month's attendance: the meeting, its version and times change every few dozen
// rows), so that each part sends that field once rather than in every row. A field that changes more often (a
// member's presence) does not cut it.
func splitRun(rows []opRow) [][]opRow {
	const stretch = 8 // rows a field must keep its value for, on average, to cut at its changes
	n := len(rows)
	if n < 2*stretch {
		return [][]opRow{rows}
	}
	nf := len(rows[0].fields)
	changes := make([]int, nf+1) // the last is the version
	for i := 1; i < n; i++ {
		for f := 0; f < nf; f++ {
			if !bytes.Equal(rows[i].fields[f].val, rows[i-1].fields[f].val) {
				changes[f]++
			}
		}
		if rows[i].op.Version != rows[i-1].op.Version {
			changes[nf]++
		}
	}
	var cut []int
	for f, c := range changes {
		if c > 0 && (c+1)*stretch <= n {
			cut = append(cut, f)
		}
	}
	if len(cut) == 0 {
		return [][]opRow{rows}
	}
	var out [][]opRow
	start := 0
	for i := 1; i < n; i++ {
		for _, f := range cut {
			if (f == nf && rows[i].op.Version != rows[i-1].op.Version) ||
				(f < nf && !bytes.Equal(rows[i].fields[f].val, rows[i-1].fields[f].val)) {
				out = append(out, rows[start:i])
				start = i
				break
			}
		}
	}
	return append(out, rows[start:])
}

// appendRun writes one run: its header, the version and fields its rows share, and the rows.
func appendRun(b []byte, rows []opRow) []byte {
	op := rows[0].op
	b = append(b, `{"op":`...)
	b = appendString(b, op.Op)
	b = append(b, `,"t":`...)
	b = appendString(b, op.Table)
	b = appendBucket(b, op)
	shared := len(rows) > 1 && op.Version > 0
	for _, r := range rows[1:] {
		shared = shared && r.op.Version == op.Version
	}
	if shared {
		b = append(b, `,"v":`...)
		b = strconv.AppendInt(b, op.Version, 10)
	}
	fields := rows[0].fields
	same := make([]bool, len(fields))
	nsame := 0
	if len(rows) > 1 {
		for f := range fields {
			same[f] = true
			for _, r := range rows[1:] {
				if !bytes.Equal(r.fields[f].val, fields[f].val) {
					same[f] = false
					break
				}
			}
			if same[f] {
				nsame++
			}
		}
	}
	if nsame > 0 {
		b = append(b, `,"same":{`...)
		n := 0
		for f, m := range fields {
			if !same[f] {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendString(b, string(m.key))
			b = append(b, ':')
			b = append(b, m.val...)
		}
		b = append(b, '}')
	}
	if nsame < len(fields) {
		b = append(b, `,"cols":[`...)
		n := 0
		for f, m := range fields {
			if same[f] {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = appendString(b, string(m.key))
		}
		b = append(b, ']')
	}
	b = append(b, `,"rows":[`...)
	for k, r := range rows {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		if r.derived {
			b = append(b, "null"...)
		} else {
			b = appendString(b, r.op.ID)
		}
		if !shared {
			b = append(b, ',')
			b = strconv.AppendInt(b, r.op.Version, 10)
		}
		for f, m := range r.fields {
			if same[f] {
				continue
			}
			b = append(b, ',')
			b = append(b, m.val...)
		}
		b = append(b, ']')
	}
	return append(b, "]}"...)
}

// The tables whose ids are names of two of their fields (PROTOCOL.md, "Data model"): a run sends null for such an
// id, and the client computes it. prefix starts the name (ids.go).
var derivedIDs = map[string]struct {
	a, b, prefix string
	fn           func(a, b string) string
}{
	"attendance":    {"meeting_id", "member_id", "attendance:", AttendanceID},
	"visit_reports": {"meeting_id", "official_id", "report:", ReportID},
}

// DerivedID returns the id the protocol gives a row of table with this data, or "" when the table's ids are not
// derived or the data lacks the fields.
func DerivedID(table string, field func(name string) []byte) string {
	rule, ok := derivedIDs[table]
	if !ok {
		return ""
	}
	a, b := JSONString(field(rule.a)), JSONString(field(rule.b))
	if a == "" || b == "" {
		return ""
	}
	return rule.fn(a, b)
}

// JSONString returns the string a JSON value holds, "" when it holds none. Ids have no escapes: those are read
// without a JSON decoder, which cost a snapshot more than the rest of an attendance row.
func JSONString(v []byte) string {
	if i := bytes.IndexByte(v, '"'); i < 0 || len(bytes.TrimSpace(v[:i])) > 0 {
		return "" // absent, or not a string: what json.Unmarshal into a string refuses, without its error's cost
	}
	if plainString(v) {
		return string(v[1 : len(v)-1])
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}

// derivable reports whether id is the one DerivedID gives the row with these fields, without allocating when the
// fields are plain JSON strings (ids always are).
func derivable(table string, fields []member, id string) bool {
	rule, ok := derivedIDs[table]
	if !ok || len(id) != 36 {
		return false
	}
	var a, b []byte
	for _, m := range fields {
		switch string(m.key) {
		case rule.a:
			a = m.val
		case rule.b:
			b = m.val
		}
	}
	if !plainString(a) || !plainString(b) || len(a) == 2 || len(b) == 2 {
		// Escaped, empty, missing or not strings: as DerivedID reads them.
		sa, sb := JSONString(a), JSONString(b)
		return sa != "" && sb != "" && rule.fn(sa, sb) == id
	}
	var out [36]byte
	uuid5Pair(&out, rule.prefix, a[1:len(a)-1], b[1:len(b)-1])
	return string(out[:]) == id
}

// plainString reports whether v is a JSON string without escapes: its bytes between the quotes are its value.
func plainString(v []byte) bool {
	return len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v[1:len(v)-1], '\\') < 0 &&
		bytes.IndexByte(v[1:len(v)-1], '"') < 0
}

// isString reports whether the JSON value v is the string s.
func isString(v []byte, s string) bool {
	if plainString(v) {
		return string(v[1:len(v)-1]) == s
	}
	return JSONString(v) == s
}

// Expand turns runs back into ops, as a protocol 2 client reads them: each row's data is its run's shared fields
// and its own, with its id and version.
func Expand(runs []Run) ([]Op, error) {
	var ops []Op
	for i, run := range runs {
		// The members of a row's data in key order (as encoding/json writes a map, so a row reads the same bytes
		// whichever run brought it): the shared fields, the row's own (a column of the same name wins over a shared
		// field), and its id and version when no field gives them.
		const shared, rowID, rowVersion = -1, -2, -3 // slot.col when the value is not the row's column
		type slot struct {
			key  string // the key, quoted
			name string
			col  int // the row's column, or shared, rowID, rowVersion
		}
		var layout []slot
		for f := range run.Same {
			if !slices.Contains(run.Cols, f) {
				layout = append(layout, slot{name: f, col: shared})
			}
		}
		for c, f := range run.Cols {
			layout = append(layout, slot{name: f, col: c})
		}
		for _, s := range [...]slot{{name: "id", col: rowID}, {name: "version", col: rowVersion}} {
			if _, ok := run.Same[s.name]; !ok && !slices.Contains(run.Cols, s.name) {
				layout = append(layout, s)
			}
		}
		sort.Slice(layout, func(a, b int) bool { return layout[a].name < layout[b].name })
		for j := range layout {
			q, _ := json.Marshal(layout[j].name)
			layout[j].key = string(q)
		}
		for k, row := range run.Rows {
			if len(row) == 0 {
				return nil, fmt.Errorf("runs[%d].rows[%d]: empty", i, k)
			}
			op := Op{Op: run.Op, Table: run.Table, Class: run.Class, Scope: run.Scope, Path: run.Path, Part: run.Part, Version: run.Version}
			derived := string(row[0]) == "null"
			if !derived {
				if op.ID = JSONString(row[0]); op.ID == "" {
					return nil, fmt.Errorf("runs[%d].rows[%d]: id %s is no string", i, k, row[0])
				}
			}
			vals := row[1:]
			if run.Version == 0 {
				if len(vals) == 0 {
					return nil, fmt.Errorf("runs[%d].rows[%d]: no version", i, k)
				}
				v, err := strconv.ParseInt(string(vals[0]), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("runs[%d].rows[%d]: version: %w", i, k, err)
				}
				op.Version, vals = v, vals[1:]
			}
			if len(vals) != len(run.Cols) {
				return nil, fmt.Errorf("runs[%d].rows[%d]: %d values for %d cols", i, k, len(vals), len(run.Cols))
			}
			if run.Op == OpPut {
				if derived {
					op.ID = DerivedID(run.Table, func(name string) []byte {
						if c := slices.Index(run.Cols, name); c >= 0 {
							return vals[c]
						}
						return run.Same[name]
					})
					if op.ID == "" {
						return nil, fmt.Errorf("runs[%d].rows[%d]: no id, and none can be derived", i, k)
					}
				}
				d := make([]byte, 0, 96+48*len(layout))
				d = append(d, '{')
				for _, m := range layout {
					switch m.col {
					case shared:
						d = appendMember(d, m.key, run.Same[m.name])
					case rowID:
						id, _ := json.Marshal(op.ID)
						d = appendMember(d, m.key, id)
					case rowVersion:
						d = appendMember(d, m.key, strconv.AppendInt(nil, op.Version, 10))
					default:
						d = appendMember(d, m.key, vals[m.col])
					}
				}
				if len(d) > 1 {
					d[len(d)-1] = '}' // the last member's comma
				} else {
					d = append(d, '}')
				}
				if !Valid(d) {
					return nil, fmt.Errorf("runs[%d].rows[%d]: a value is not JSON", i, k)
				}
				op.Data = d
			}
			if op.ID == "" {
				return nil, fmt.Errorf("runs[%d].rows[%d]: no id", i, k)
			}
			ops = append(ops, op)
		}
	}
	return ops, nil
}

// appendMember appends key (quoted):value, to an object being written.
func appendMember(b []byte, key string, v []byte) []byte {
	b = append(b, key...)
	b = append(b, ':')
	b = append(b, v...)
	return append(b, ',')
}
