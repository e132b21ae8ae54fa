package changelog

import (
	"context"
	"database/sql"
	"reflect"
	"unsafe"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// A write transaction's last statements on PostgreSQL (a push's results and its device's position, the few rows
// of a report, the audit and change-log entries, the bucket counts) each cost a round trip to the database, and a
// COPY two: at fifty devices pushing at once on two cores those round trips, and the switches between the
// processes they make, were more of a push's time than the writing (issue #15). InsertLater and ExecLater queue
// such statements instead, formatted in full, and the transaction sends them together, as one simple query of
// several statements, before a COPY, at WriteLogNow and just before it commits. Nothing the transaction reads may
// depend on them; an error in one of them fails the whole write as it would have alone. On SQLite, and outside a
// Write, they run at once.

// laterRows is the most rows InsertLater queues as one INSERT; more are written at once (by COPY).
const laterRows = 64

// statement is a query bun can format in full, or run.
type statement interface {
	AppendQuery(gen schema.QueryGen, b []byte) ([]byte, error)
	DB() *bun.DB
	Exec(ctx context.Context, dest ...any) (sql.Result, error)
}

// InsertLater inserts the rows of slicePtr as InsertRows does; on PostgreSQL, inside a Write, up to laterRows of
// them are queued as one INSERT among the transaction's last statements (see above).
func InsertLater(ctx context.Context, db bun.IDB, slicePtr any, exclude ...string) error {
	st := syncState(ctx)
	if st == nil || !IsPG(db) {
		return InsertRows(ctx, db, slicePtr, exclude...)
	}
	return st.insertLater(ctx, db, slicePtr, exclude...)
}

// ExecLater runs q, a write whose outcome the caller does not read; on PostgreSQL, inside a Write, it is queued
// among the transaction's last statements (see above).
func ExecLater(ctx context.Context, db bun.IDB, q statement) error {
	st := syncState(ctx)
	if st == nil || !IsPG(db) {
		_, err := q.Exec(ctx)
		return err
	}
	return st.execLater(q)
}

// insertLater is InsertLater inside a Write on PostgreSQL.
func (st *txState) insertLater(ctx context.Context, db bun.IDB, slicePtr any, exclude ...string) error {
	v := reflect.ValueOf(slicePtr).Elem()
	switch n := v.Len(); {
	case n == 0:
		return nil
	case n > laterRows:
		if err := st.flushLater(ctx, db); err != nil {
			return err
		}
		return InsertRows(ctx, db, slicePtr, exclude...)
	}
	elem := v.Type().Elem()
	ptr := elem.Kind() == reflect.Pointer
	if ptr {
		elem = elem.Elem()
	}
	table := db.Dialect().Tables().Get(elem)
	if fields, ok := copyFields(table, exclude); ok {
		st.sep()
		st.stmts = appendInsert(st.stmts, table, fields, v, ptr)
		return nil
	}
	q := db.NewInsert().Model(slicePtr)
	if len(exclude) > 0 {
		q = q.ExcludeColumn(exclude...)
	}
	return st.execLater(q)
}

// statementBuffer returns an empty buffer for a transaction's queued statements: one a transaction before used, when
// there is one (a push of fifty marks queues about 50 KB, and growing a buffer to that size from nothing made three
// times as much garbage).
func (r *Registry) statementBuffer() []byte {
	if b, ok := r.buffers.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, 16<<10)
}

// releaseBuffer gives a transaction's statement buffer back once its statements have been sent (nothing reads it
// after: see flushLater); one grown past 1 MiB is left to the garbage collector.
func (r *Registry) releaseBuffer(b []byte) {
	if cap(b) > 0 && cap(b) <= 1<<20 {
		r.buffers.Put(&b)
	}
}

// sep separates the next statement from those queued before it.
func (st *txState) sep() {
	if len(st.stmts) > 0 {
		st.stmts = append(st.stmts, ";\n"...)
	}
}

// execLater formats q into the statements the transaction sends later.
func (st *txState) execLater(q statement) error {
	st.sep()
	var err error
	st.stmts, err = q.AppendQuery(q.DB().QueryGen(), st.stmts)
	return err
}

// flushLater sends the queued statements, in one round trip.
func (st *txState) flushLater(ctx context.Context, db bun.IDB) error {
	if len(st.stmts) == 0 {
		return nil
	}
	// The text is the buffer itself, not a copy (about 50 KB a push): lib/pq copies it into its own buffer to send
	// it and nothing keeps it after the call (no query hook is installed; errors do not quote it), and the buffer
	// is written again only after the call returns.
	q := unsafe.String(unsafe.SliceData(st.stmts), len(st.stmts))
	// No arguments: bun passes the text as it is (a "?" inside a value is not a placeholder), and lib/pq sends
	// it as one simple query.
	_, err := db.ExecContext(ctx, q)
	st.stmts = st.stmts[:0]
	return err
}
