package changelog

import (
	"context"
	"database/sql/driver"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// InsertRows inserts the rows of slicePtr (a pointer to a slice of models, or of pointers to models), leaving out
// the columns exclude names and any auto-increment key. On PostgreSQL, inside a transaction, it streams them with
// COPY when every column is a plain value (text, numbers, times, booleans, their pointers; no SQL default): the
// server then neither parses nor plans a statement of thousands of parameters, which is most of what a 500-row
// INSERT costs it. Otherwise, and on SQLite, it is one multi-row INSERT per 500 rows.
func InsertRows(ctx context.Context, db bun.IDB, slicePtr any, exclude ...string) error {
	v := reflect.ValueOf(slicePtr).Elem()
	if v.Len() == 0 {
		return nil
	}
	elem := v.Type().Elem()
	ptr := elem.Kind() == reflect.Pointer
	if ptr {
		elem = elem.Elem()
	}
	tx, isTx := db.(bun.Tx)
	if IsPG(db) && isTx {
		table := db.Dialect().Tables().Get(elem)
		if fields, ok := copyFields(table, exclude); ok {
			return copyRows(ctx, tx, table, fields, v, ptr)
		}
	}
	for start := 0; start < v.Len(); start += 500 {
		chunk := v.Slice(start, min(start+500, v.Len()))
		p := reflect.New(chunk.Type())
		p.Elem().Set(chunk)
		q := db.NewInsert().Model(p.Interface())
		if len(exclude) > 0 {
			q = q.ExcludeColumn(exclude...)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

// copyFields returns the columns COPY writes for table, or false when one of them needs what only an INSERT does.
func copyFields(table *schema.Table, exclude []string) ([]*schema.Field, bool) {
	var out []*schema.Field
	for _, f := range table.Fields {
		if f.AutoIncrement || contains(exclude, f.Name) {
			continue
		}
		if f.SQLDefault != "" {
			return nil, false
		}
		t := f.IndirectType
		switch {
		case t == timeType:
		case t.Kind() == reflect.String, t.Kind() == reflect.Bool, t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64,
			t.Kind() == reflect.Float32, t.Kind() == reflect.Float64:
			if t.Implements(reflect.TypeOf((*driver.Valuer)(nil)).Elem()) || reflect.PointerTo(t).Implements(reflect.TypeOf((*driver.Valuer)(nil)).Elem()) {
				return nil, false
			}
		default:
			return nil, false
		}
		out = append(out, f)
	}
	return out, len(out) > 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// copyRows streams the rows with COPY … FROM STDIN.
func copyRows(ctx context.Context, tx bun.Tx, table *schema.Table, fields []*schema.Field, rows reflect.Value, ptr bool) (err error) {
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = pq.QuoteIdentifier(f.Name)
	}
	stmt, err := tx.Tx.PrepareContext(ctx, "COPY "+pq.QuoteIdentifier(table.Name)+" ("+strings.Join(cols, ", ")+") FROM STDIN")
	if err != nil {
		return err
	}
	defer func() {
		if cerr := stmt.Close(); err == nil {
			err = cerr
		}
	}()
	vals := newRowValues(fields)
	for i := 0; i < rows.Len(); i++ {
		if _, err := stmt.ExecContext(ctx, vals.of(rows.Index(i), ptr)...); err != nil {
			return err
		}
	}
	_, err = stmt.ExecContext(ctx)
	return err
}

// rowValues reads the values of a row's fields (those copyFields accepts) as COPY and appendInsert take them: a
// string, bool, int64, float64, nil, or a time as lib/pq formats it.
type rowValues struct {
	fields []*schema.Field
	args   []any
	// A transaction's rows share their times (created_at, updated_at, at): each column's last time is formatted
	// once.
	stamps []timeText
}

type timeText struct {
	t time.Time
	s string
}

func newRowValues(fields []*schema.Field) *rowValues {
	return &rowValues{fields: fields, args: make([]any, len(fields)), stamps: make([]timeText, len(fields))}
}

// of returns the values of row (a struct, or a pointer to one when ptr), in a slice it uses again.
func (v *rowValues) of(row reflect.Value, ptr bool) []any {
	if ptr {
		row = row.Elem()
	}
	for j, f := range v.fields {
		fv := f.Value(row)
		switch {
		case f.IsPtr && fv.IsNil(), f.NullZero && f.IsZero(fv):
			v.args[j] = nil
			continue
		case f.IsPtr:
			fv = fv.Elem()
		}
		switch fv.Kind() {
		case reflect.String:
			v.args[j] = fv.String()
		case reflect.Bool:
			v.args[j] = fv.Bool()
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			v.args[j] = fv.Int()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			v.args[j] = int64(fv.Uint())
		case reflect.Float32, reflect.Float64:
			v.args[j] = fv.Float()
		default:
			t := fv.Interface().(time.Time)
			if st := &v.stamps[j]; st.s == "" || st.t != t {
				st.t, st.s = t, string(pq.FormatTimestamp(t))
			}
			v.args[j] = v.stamps[j].s
		}
	}
	return v.args
}

// appendInsert appends one INSERT of the rows with their values written out, as InsertLater queues it: the
// columns copyFields accepts, the values as COPY would send them (a time as lib/pq formats it; PostgreSQL takes a
// quoted value of an INSERT's VALUES as the type of its column). It is the statement bun would write, made a few
// times faster than bun's reflection (which cost a 50-row push a tenth of its CPU).
func appendInsert(b []byte, table *schema.Table, fields []*schema.Field, rows reflect.Value, ptr bool) []byte {
	b = append(b, "INSERT INTO "...)
	b = append(b, pq.QuoteIdentifier(table.Name)...)
	b = append(b, " ("...)
	for i, f := range fields {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, pq.QuoteIdentifier(f.Name)...)
	}
	b = append(b, ") VALUES "...)
	vals := newRowValues(fields)
	for i := 0; i < rows.Len(); i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '(')
		for j, a := range vals.of(rows.Index(i), ptr) {
			if j > 0 {
				b = append(b, ", "...)
			}
			switch a := a.(type) {
			case nil:
				b = append(b, "NULL"...)
			case string:
				b = appendLiteral(b, a)
			case bool:
				b = strconv.AppendBool(b, a)
			case int64:
				b = strconv.AppendInt(b, a, 10)
			case float64:
				if math.IsNaN(a) || math.IsInf(a, 0) {
					b = appendLiteral(b, strconv.FormatFloat(a, 'g', -1, 64))
				} else {
					b = strconv.AppendFloat(b, a, 'g', -1, 64)
				}
			}
		}
		b = append(b, ')')
	}
	return b
}

// appendLiteral appends s as a standard SQL string literal (quotes doubled; with standard_conforming_strings, on
// since PostgreSQL 9.1, a backslash is an ordinary character), or as an escape string literal when s has a
// backslash, as pq.QuoteLiteral writes it.
func appendLiteral(b []byte, s string) []byte {
	if strings.IndexByte(s, '\\') >= 0 {
		return append(b, pq.QuoteLiteral(s)...)
	}
	b = append(b, '\'')
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			break
		}
		b = append(append(b, s[:i+1]...), '\'')
		s = s[i+1:]
	}
	return append(append(b, s...), '\'')
}
