//go:build unix

package app

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestCommandAsRootHandsFilesBack: create-admin run by root into a data directory another user owns (the systemd
// unit's dynamic user) leaves every database file to that user, so the service can still open them.
func TestCommandAsRootHandsFilesBack(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it checks what a command run with sudo leaves behind")
	}
	const uid, gid = 61234, 61234
	dir := filepath.Join(t.TempDir(), "chibo")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CHIBO_DATA_DIR": dir, "CHIBO_ADMIN_PASSWORD": "mat-khau-quan-tri"}
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"create-admin"}, func(k string) string { return env[k] }, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		fi, err := os.Lstat(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		seen[e.Name()] = true
		if st.Uid != uid || st.Gid != gid {
			t.Errorf("%s is owned by %d:%d, want the directory's owner %d:%d", e.Name(), st.Uid, st.Gid, uid, gid)
		}
	}
	if !seen["chibo.db"] || !seen["chibo.db.sync-mark"] {
		t.Errorf("the directory holds %v, want the database and its note", seen)
	}
}
