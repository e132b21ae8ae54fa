package changelog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Restored SQLite files. PostgreSQL tells a restored database by its cluster and timeline (EnsureSyncState); a
// SQLite file copied back from a backup looks like any other. So the server keeps, next to the file, a note of the
// highest sync transaction the file has reached (chibo.db.sync-mark, rewritten at most once a second after writes
// and when the database closes). A file whose counter is below the note, in the same epoch, went back in time:
// the server starts a new epoch, so devices resync instead of keeping rows the restored file does not have, and
// instead of taking the numbers the file hands out again for changes they already hold.

// highWater is the note kept beside a SQLite file.
type highWater struct {
	Epoch string `json:"epoch"`
	Tx    int64  `json:"tx"`
}

// markInterval is how often at most the note is rewritten after writes.
const markInterval = time.Second

// Mark keeps a SQLite file's note up to date.
type Mark struct {
	mu   sync.Mutex
	path string
	last time.Time
	seen highWater
}

// HighWaterPath returns the path of the note kept beside the SQLite file path.
func HighWaterPath(path string) string { return path + ".sync-mark" }

// CheckRestored starts a new epoch (see NewEpoch) when the SQLite file at path, open as db, is behind the note
// beside it, then brings the note up to date. m is the mark CheckRestored returned before for this file (nil the
// first time); the mark returned keeps the note up to date (Mark.Update) and is returned even when writing the note
// failed.
func CheckRestored(ctx context.Context, db bun.IDB, reg *Registry, log *slog.Logger, path string, m *Mark) (_ *Mark, restored bool, err error) {
	now, err := readHighWater(ctx, db)
	if err != nil {
		return m, false, err
	}
	note, err := readNote(HighWaterPath(path))
	if err != nil {
		return m, false, err
	}
	if note != nil && note.Epoch == now.Epoch && now.Tx < note.Tx {
		if err := NewEpoch(ctx, db, reg, log, "the SQLite file is behind the transactions it had reached: restored from a backup"); err != nil {
			return m, false, fmt.Errorf("changelog: new epoch after a restore: %w", err)
		}
		restored = true
		if now, err = readHighWater(ctx, db); err != nil {
			return m, false, err
		}
	}
	if m == nil {
		m = &Mark{path: HighWaterPath(path)}
	}
	m.seen = highWater{}
	return m, restored, m.write(now)
}

// Update rewrites the note if the database db moved on, at most once per markInterval unless now is set. A nil
// mark does nothing.
func (m *Mark) Update(ctx context.Context, db bun.IDB, now bool) {
	if m == nil {
		return
	}
	m.mu.Lock()
	due := now || time.Since(m.last) >= markInterval
	m.mu.Unlock()
	if !due {
		return
	}
	hw, err := readHighWater(ctx, db)
	if err != nil {
		return // the next write tries again
	}
	_ = m.write(hw)
}

func readHighWater(ctx context.Context, db bun.IDB) (highWater, error) {
	var hw highWater
	if err := db.NewRaw(`SELECT epoch, tx FROM sync_state WHERE id = 1`).Scan(ctx, &hw.Epoch, &hw.Tx); err != nil {
		return hw, fmt.Errorf("changelog: sync state: %w", err)
	}
	return hw, nil
}

// write replaces the note atomically (a temporary file renamed over it), unless it already says hw.
func (m *Mark) write(hw highWater) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last = time.Now()
	if hw == m.seen {
		return nil
	}
	b, _ := json.Marshal(hw)
	tmp, err := os.CreateTemp(filepath.Dir(m.path), ".sync-mark-*")
	if err != nil {
		return fmt.Errorf("changelog: high-water note: %w", err)
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), m.path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("changelog: high-water note: %w", err)
	}
	m.seen = hw
	return nil
}

func readNote(path string) (*highWater, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("changelog: high-water note: %w", err)
	}
	var hw highWater
	if err := json.Unmarshal(b, &hw); err != nil {
		return nil, nil // unreadable: start a new note
	}
	return &hw, nil
}
