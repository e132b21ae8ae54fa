package engine

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/lib/pq"
	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/changelog"
)

// On PostgreSQL a push's reads (the device's row, the rows it changes, the meetings, members and units its checks
// read) are prepared statements. PostgreSQL parses, analyses and plans a statement sent as text every time: at fifty
// devices pushing at once, that was about half of what it spent on a push beyond the rows' own INSERTs (perf,
// issue #15). Each is prepared once per instance, by the first push, before its transaction (database/sql takes a
// connection of the pool to prepare it, which a transaction holding one must not wait for), and then once per
// connection, by the transaction that first runs it there. The ids go as one array parameter (= ANY($1)), so one
// statement serves any number of them. A pooler in transaction mode that does not keep prepared statements
// (PgBouncer before 1.21) makes them fail: the push that finds out is processed again with its queries as text,
// and the instance stops using them (turnOff). SQLite parses its statements in-process; it keeps bun's queries.

// The push's reads by id, by name (each prepared on PostgreSQL, but rowsName's).
const (
	stmtClient   = "client"   // the device's row, locked (clientLockSQL)
	stmtMeetings = "meetings" // the meetings the mutations name
	stmtMembers  = "members"  // the members they name: their cell only
	stmtUnits    = "units"    // the units they name
	lockName     = "lock:"    // + table: the rows the mutations change, deleted ones too, locked on PostgreSQL
	rowsName     = "rows:"    // + table: the same, not locked (never prepared)
	// fewIDs is the most ids a read by id passes one by one, to its statement for that many (fewName): PostgreSQL
	// plans a prepared statement anew for each run (a custom plan) as long as its generic plan looks dearer, and
	// for id = ANY($1) it assumes ten ids, so a push's one or two meetings and its cell were planned on every push
	// (the meetings' lock about 70 µs, pg_stat_statements). With id IN ($1, $2) both plans cost the same and the
	// generic one is kept. More ids go as one array. Each read so has five statements (about a hundred in all,
	// prepared by an instance's first push; a connection prepares those it runs, as it first runs them).
	fewIDs = 4
)

// fewName names the statement of read name for n ids (1 ≤ n ≤ fewIDs), each its own parameter.
func fewName(name string, n int) string { return name + "=" + strconv.Itoa(n) }

// prepared holds an instance's prepared statements, made by ensure. Pushes read them without a lock.
type prepared struct {
	set atomic.Pointer[statementSet] // nil until ensure has prepared them all, and again once they are off
	// off is set when the statements cannot be used (see unusable): the push then sends its queries as text.
	off atomic.Bool
	// preparing is held by the push that prepares them; the others send their queries as text meanwhile.
	preparing sync.Mutex
	// observe, when set (by tests), is called with the text of each statement run.
	observe atomic.Pointer[func(query string)]
}

// statementSet is the prepared statements and their texts, by name.
type statementSet struct {
	stmts map[string]*sql.Stmt
	texts map[string]string
}

// byID is the read name with its model dest (a pointer to a slice) and its ids given by where, a condition on
// ?TableAlias.id with one argument, arg: the one query both the prepared statement and the text are written from.
func byID(db bun.IDB, name string, dest any, where string, arg any) *bun.SelectQuery {
	q := db.NewSelect().Model(dest).Where(where, arg)
	switch {
	case name == stmtMembers:
		q = q.Column("m.id", "m.cell_id") // the checks read a member's cell only: a batch of 500 marks reads 500
	case strings.HasPrefix(name, lockName):
		q = q.WhereAllWithDeleted()
		if changelog.IsPG(db) {
			q = q.For("UPDATE")
		}
	case strings.HasPrefix(name, rowsName):
		q = q.WhereAllWithDeleted()
	}
	return q
}

// newRows returns a pointer to a new slice of table's models.
func newRows(table string) reflect.Value {
	return reflect.New(reflect.SliceOf(reflect.TypeOf(store.NewRow(table))))
}

// selectByID reads the rows of ids into dest with the read name: its prepared statement when there is one, else
// its text, ids as a list.
func (e *Engine) selectByID(ctx context.Context, db bun.IDB, name string, ids []string, dest any) error {
	var rows *sql.Rows
	var ok bool
	var err error
	if len(ids) <= fewIDs {
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, ok, err = e.query(ctx, db, fewName(name, len(ids)), args...)
	} else {
		rows, ok, err = e.query(ctx, db, name, pq.Array(ids))
	}
	switch {
	case !ok:
		return byID(db, name, dest, "?TableAlias.id IN (?)", bun.List(ids)).Scan(ctx)
	case err != nil:
		return err
	}
	return e.db.W.ScanRows(ctx, rows, dest)
}

// statementTexts returns the text of every statement the push prepares, by name: each read by id with the ids as
// the array "$1", and its forms for one to fewIDs ids (fewName), the ids as "$1", "$2"….
func (e *Engine) statementTexts() map[string]string {
	db := e.db.W
	reads := map[string]any{stmtMeetings: &[]*store.Meeting{}, stmtMembers: &[]*store.Member{}, stmtUnits: &[]*store.OrgUnit{}}
	for table := range specs {
		reads[lockName+table] = newRows(table).Interface()
	}
	texts := map[string]string{stmtClient: clientLockSQL(changelog.SyncTxColumnsSQL, "$1")}
	for name, dest := range reads {
		texts[name] = byID(db, name, dest, "?TableAlias.id = ANY(?)", bun.Safe("$1")).String()
		for n := 1; n <= fewIDs; n++ {
			ps := make([]string, n)
			for i := range ps {
				ps[i] = "$" + strconv.Itoa(i+1)
			}
			texts[fewName(name, n)] = byID(db, name, dest, "?TableAlias.id IN (?)", bun.Safe(strings.Join(ps, ", "))).String()
		}
	}
	return texts
}

// ensure prepares the statements on PostgreSQL, once per instance; it must not be called inside a transaction.
// While one push prepares them the others do not wait: they send their queries as text.
func (e *Engine) ensure(ctx context.Context) error {
	if !changelog.IsPG(e.db.W) || e.prep.set.Load() != nil || e.prep.off.Load() || !e.prep.preparing.TryLock() {
		return nil
	}
	defer e.prep.preparing.Unlock()
	if e.prep.set.Load() != nil || e.prep.off.Load() {
		return nil
	}
	texts := e.statementTexts()
	names := make([]string, 0, len(texts))
	for name := range texts {
		names = append(names, name)
	}
	sort.Strings(names)
	stmts := make(map[string]*sql.Stmt, len(texts))
	for _, name := range names {
		s, err := e.db.W.DB.PrepareContext(ctx, texts[name])
		if err != nil {
			for _, s := range stmts {
				s.Close()
			}
			if ctx.Err() != nil || changelog.ConnLost(err) {
				return domain.Unavailable(err) // tried again by the next push
			}
			// Pushes work without them, a little slower.
			e.log.WarnContext(ctx, "sync: the push's reads cannot be prepared; they are sent as text", "statement", name, "err", err)
			e.prep.off.Store(true)
			return nil
		}
		stmts[name] = s
	}
	e.prep.set.Store(&statementSet{stmts: stmts, texts: texts})
	return nil
}

// query runs the prepared statement name in db, a transaction, with args; ok is false when the statements are not
// prepared (on SQLite, or not yet) or db is not a transaction, and the caller runs its bun query instead.
func (e *Engine) query(ctx context.Context, db bun.IDB, name string, args ...any) (rows *sql.Rows, ok bool, err error) {
	tx, isTx := db.(bun.Tx)
	set := e.prep.set.Load()
	if !isTx || set == nil {
		return nil, false, nil
	}
	s := set.stmts[name]
	if s == nil {
		return nil, false, nil
	}
	if observe := e.prep.observe.Load(); observe != nil {
		(*observe)(set.texts[name])
	}
	rows, err = tx.Tx.StmtContext(ctx, s).QueryContext(ctx, args...)
	if err != nil && unusable(err) {
		e.turnOff(ctx, err)
		return nil, true, errRetrySlowly // this push again, its queries as text (the transaction failed)
	}
	return rows, true, err
}

// unusable reports an error that says the connection does not hold the statements prepared on it: a pooler between
// the server and PostgreSQL in transaction mode that does not keep track of them (PgBouncer before 1.21, or without
// max_prepared_statements) hands each transaction another server connection.
func unusable(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == "26000" || pe.Code == "42P05") // invalid_sql_statement_name, duplicate_prepared_statement
}

// turnOff stops using the prepared statements on this instance.
func (e *Engine) turnOff(ctx context.Context, err error) {
	if e.prep.off.Swap(true) {
		return
	}
	e.log.WarnContext(ctx, "sync: the connections do not keep their prepared statements (a pooler in transaction mode?); the push's reads are sent as text from now on", "err", err)
	e.prep.set.Store(nil) // left to the pool's connections, which close them when they close
}
