// Package migrations embeds the schema of each SQL dialect: plain SQL files named NNNN_name.tx.up.sql under
// sqlite/ and postgres/, applied in order at start-up by server/store. Both folders hold the same names and
// produce the same tables and columns (a test checks it).
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// FS returns the migration files of dialect ("sqlite" or "pg"/"postgres").
func FS(dialect string) (fs.FS, error) {
	switch dialect {
	case "sqlite":
		return fs.Sub(files, "sqlite")
	case "pg", "postgres":
		return fs.Sub(files, "postgres")
	}
	return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
}
