//go:build unix

package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// handBack gives the SQLite files a command run by root created or replaced in the data directory (the database,
// its WAL, the sync-mark note) to the directory's owner. The systemd unit runs the server as a dynamic user that
// owns /var/lib/chibo; "sudo chibo create-admin -env-file /etc/chibo/chibo.env" would otherwise leave a note or a
// database the service cannot read. It does nothing unless the process runs as root and the directory belongs to
// another user.
func handBack(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil // nothing was created
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || sys.Uid == 0 {
		return nil
	}
	var errs []error
	for _, name := range []string{"chibo.db", "chibo.db-wal", "chibo.db-shm", "chibo.db.sync-mark"} {
		err := os.Lchown(filepath.Join(dir, name), int(sys.Uid), int(sys.Gid))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("give the database files back to the data directory's owner (uid %d): %w", sys.Uid, err)
	}
	return nil
}
