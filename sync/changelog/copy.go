package changelog

import (
	"context"
	"database/sql/driver"
	"reflect"
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
	args := make([]any, len(fields))
	// A transaction's rows share their times (created_at, updated_at, at): each column's last time is formatted
	// once, as lib/pq would format it, and passed as text.
	type stamp struct {
		t time.Time
		s string
	}
	stamps := make([]stamp, len(fields))
	for i := 0; i < rows.Len(); i++ {
		strct := rows.Index(i)
		if ptr {
			strct = strct.Elem()
		}
		for j, f := range fields {
			fv := f.Value(strct)
			switch {
			case f.IsPtr && fv.IsNil(), f.NullZero && f.IsZero(fv):
				args[j] = nil
				continue
			case f.IsPtr:
				fv = fv.Elem()
			}
			switch fv.Kind() {
			case reflect.String:
				args[j] = fv.String()
			case reflect.Bool:
				args[j] = fv.Bool()
			case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
				args[j] = fv.Int()
			case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
				args[j] = int64(fv.Uint())
			case reflect.Float32, reflect.Float64:
				args[j] = fv.Float()
			default:
				t := fv.Interface().(time.Time)
				if st := &stamps[j]; st.s == "" || st.t != t {
					st.t, st.s = t, string(pq.FormatTimestamp(t))
				}
				args[j] = stamps[j].s
			}
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	_, err = stmt.ExecContext(ctx)
	return err
}
