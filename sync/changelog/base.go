package changelog

import (
	"reflect"
	"time"

	"github.com/uptrace/bun"
)

// Base is embedded in every synced table: a UUID a client may generate, creation and update times, a soft-delete
// marker and the sync version (the sync transaction of the row's last write). bun leaves soft-deleted rows out of
// SELECTs unless a query asks for them.
type Base struct {
	ID        string     `bun:"id,pk" json:"id"`
	CreatedAt time.Time  `bun:"created_at,notnull" json:"created_at"`
	UpdatedAt time.Time  `bun:"updated_at,notnull" json:"updated_at"`
	DeletedAt *time.Time `bun:"deleted_at,soft_delete,nullzero" json:"deleted_at,omitempty"`
	Version   int64      `bun:"version,notnull" json:"version"`
}

// SyncBase returns the embedded Base, so tracking code handles every synced model alike.
func (b *Base) SyncBase() *Base { return b }

// Row is a model of a synced table: a struct embedding Base, used through a pointer.
type Row interface {
	SyncBase() *Base
}

// Now returns the current time as stored: UTC, truncated to the microsecond both databases keep.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Clone returns a shallow copy of a synced row.
func Clone(row Row) Row {
	v := reflect.New(reflect.TypeOf(row).Elem())
	v.Elem().Set(reflect.ValueOf(row).Elem())
	return v.Interface().(Row)
}

// IsPG reports whether db is PostgreSQL (otherwise it is SQLite). It is the one place that tells the dialects
// apart for the change log and the engine.
func IsPG(db bun.IDB) bool { return db.Dialect().Name().String() == "pg" }

// Greatest names db's function returning the larger of two values: GREATEST on PostgreSQL, the two-argument MAX
// on SQLite.
func Greatest(db bun.IDB) string {
	if IsPG(db) {
		return "GREATEST"
	}
	return "MAX"
}
