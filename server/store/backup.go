package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// ErrBackupPostgres is returned by Backup on PostgreSQL, whose backups are the database's own tools' job.
var ErrBackupPostgres = errors.New("store: backup copies SQLite files only; back up PostgreSQL with pgBackRest " +
	"(continuous archiving, point-in-time recovery) or pg_dump")

// Backup writes a consistent copy of the SQLite database to out while the server may go on reading and writing:
// VACUUM INTO a temporary file in out's directory (a snapshot of one read transaction, which WAL lets run beside
// the writer), fsync the copy, rename it over out and fsync the directory, so out is either the old file or the
// whole new copy. The note beside the database (chibo.db.sync-mark) is not copied: to restore, the copy goes back
// as chibo.db and the note stays, which is how the server notices the restore (changelog.CheckRestored).
func (d *DB) Backup(ctx context.Context, out string) error {
	if d.Dialect != "sqlite" {
		return ErrBackupPostgres
	}
	if d.Path == "" {
		return errors.New("store: backup of an in-memory database")
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if src, _ := filepath.Abs(d.Path); src == abs {
		return errors.New("store: backup: the output is the database itself")
	}
	dir := filepath.Dir(abs)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(abs)+".tmp-*")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	name := tmp.Name()
	_ = tmp.Close() // VACUUM INTO accepts an empty file, and the file keeps CreateTemp's 0600
	done := false
	defer func() {
		if !done {
			_ = os.Remove(name)
		}
	}()
	if err := vacuumInto(ctx, d.Path, name); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := syncPath(name); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := os.Rename(name, abs); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	done = true
	if err := syncPath(dir); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// vacuumInto copies the SQLite file path into the empty file out on a connection of its own: the read pool is
// query-only, which VACUUM INTO refuses, and the write pool's single connection would hold up the writers.
func vacuumInto(ctx context.Context, path, out string) error {
	q := url.Values{}
	q.Add("_pragma", sqlitePragmas[0]) // busy_timeout
	conn, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return fmt.Errorf("vacuum into %s: %w", out, err)
	}
	return nil
}

// syncPath flushes a file or a directory (the rename of an entry in it) to disk.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
