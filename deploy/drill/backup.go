package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chibo-vn/chibo/sync/simulate"
)

// rounds runs n fleet rounds without faults.
func rounds(ctx context.Context, f *simulate.Fleet, n int) {
	for i := 0; i < n; i++ {
		f.Round(ctx, false)
	}
}

func outboxLen(f *simulate.Fleet) (unsent, refused int) {
	for _, d := range f.Devices {
		unsent += len(d.Client.Local.Outbox)
		refused += len(d.Client.Local.Rejected)
	}
	return unsent, refused
}

// backupPG is drill 2 on PostgreSQL: a full pgBackRest backup (the reference backup.sh), more writes, a point in
// time, more writes, then a restore to that time into a new cluster (new directory, new port) and chibo on it.
func (d *drill) backupPG(ctx context.Context) error {
	const name = "2 backup PG"
	c := d.c
	n := max(8, d.o.devices/4)
	d.log.Info("drill 2: devices sync through Caddy", "devices", n)
	fleet, err := simulate.NewFleet(ctx, c.url, c.https, demoUsers, demoPassword, n, 2, "")
	if err != nil {
		return err
	}
	rounds(ctx, fleet, 3)
	p, err := d.primary(ctx)
	if err != nil {
		return err
	}
	textfile := d.l.path("textfile")
	if err := os.MkdirAll(textfile, 0o777); err != nil {
		return err
	}
	_ = d.p.chownPostgres(textfile)
	d.log.Info("drill 2: full backup with the reference backup.sh", "node", p.name)
	start := time.Now()
	env := []string{"PGBACKREST_CONFIG=" + d.l.path(p.name, "pgbackrest.conf"),
		fmt.Sprintf("PATRONI_URL=http://127.0.0.1:%d", p.rest), "TEXTFILE_DIR=" + textfile}
	if _, err := d.p.run(ctx, env, true, "sh", d.l.ref("backup.sh"), "full"); err != nil {
		return err
	}
	d.figure(name, "full backup (pgBackRest, zstd)", "%s, %s", time.Since(start).Round(100*time.Millisecond), d.repoSize())
	if _, err := os.Stat(filepath.Join(textfile, "pgbackrest-full.prom")); err != nil {
		return fmt.Errorf("backup.sh wrote no textfile metric: %w", err)
	}

	rounds(ctx, fleet, 3)
	db, err := d.db(portPGPrimary)
	if err != nil {
		return err
	}
	var target string
	err = db.QueryRowContext(ctx, `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'`).Scan(&target)
	db.Close()
	if err != nil {
		return fmt.Errorf("note the time: %w", err)
	}
	mark := time.Now()
	d.log.Info("drill 2: noted the point in time; more writes past it", "target", target)
	time.Sleep(time.Second)
	rounds(ctx, fleet, 3)
	var past []string
	for dev, t := range fleet.LastSynced() {
		if t.After(mark) {
			past = append(past, dev)
		}
	}
	// Archive the WAL past the target (pgbackrest check switches WAL and waits for it in the repository).
	if _, err := d.pgbackrest(ctx, p, "check"); err != nil {
		return err
	}

	d.log.Info("drill 2: restore to the point in time into a new cluster", "port", portRestore)
	data := d.l.path("restore", "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	if err := d.p.chownPostgres(d.l.path("restore")); err != nil {
		return err
	}
	start = time.Now()
	if _, err := d.pgbackrest(ctx, p, "--pg1-path="+data, "--type=time", "--target="+target, "--target-action=promote", "restore"); err != nil {
		return err
	}
	if err := d.startRestored(ctx, data); err != nil {
		return err
	}
	restoreTook := time.Since(start)
	d.figure(name, "restore to the point in time (pgbackrest restore + WAL replay + promote)", "%s", restoreTook.Round(100*time.Millisecond))

	// The acknowledged mutations before the point are there; those after are gone with the restore.
	var before, after []simulate.Ack
	for _, a := range fleet.Acks() {
		if a.At.Before(mark) {
			before = append(before, a)
		} else {
			after = append(after, a)
		}
	}
	lostBefore, dupBefore, checked, err := d.checkAcks(ctx, portRestore, before, false)
	if err != nil {
		return err
	}
	d.figure(name, "acknowledged before the point, present after the restore", "%d of %d (%d duplicated)", checked-lostBefore, checked, dupBefore)
	lostAfter, _, checkedAfter, err := d.checkAcks(ctx, portRestore, after, true)
	if err != nil {
		return err
	}
	d.figure(name, "acknowledged after the point, gone with the restore (expected)", "%d of %d", lostAfter, checkedAfter)

	d.log.Info("drill 2: chibo on the restored cluster; devices work offline, then sync to it")
	if err := d.startRestoredChibo(ctx); err != nil {
		return err
	}
	fleet.SetURL(fmt.Sprintf("http://127.0.0.1:%d", portRestored))
	fleet.Work(3)
	unsent, refused0 := outboxLen(fleet)
	fleet.ClearResets()
	acks0 := len(fleet.Acks())
	bad, convErr := fleet.Converge(ctx, 5*time.Minute)
	_, refused1 := outboxLen(fleet)
	reset := 0
	for _, k := range fleet.Resets() {
		if k > 0 {
			reset++
		}
	}
	d.figure(name, "devices that had synced past the point / told to resync", "%d / %d of %d", len(past), reset, len(fleet.Devices))
	d.figure(name, "unsent work kept: mutations queued offline → applied, refused (kept on the device)", "%d → %d, %d",
		unsent, len(fleet.Acks())-acks0, refused1-refused0)
	d.figure(name, "devices converged on the restored cluster", "%d of %d", len(fleet.Devices)-len(bad), len(fleet.Devices))
	d.figure(name, "devices whose pull waited for their own lost writes (sync/client Landed)", "%d", len(fleet.Stuck()))
	if convErr != nil {
		return convErr
	}
	if lostBefore+dupBefore > 0 {
		return fmt.Errorf("%d mutations acknowledged before the point are missing after the restore, %d duplicated", lostBefore, dupBefore)
	}
	return stuckErr(fleet)
}

// stuckErr fails a restore drill in which a device's pull kept waiting for its own writes the restore took away:
// sync/client ends that wait on the reset (the fleet only releases such devices so that the drill can finish).
func stuckErr(fleet *simulate.Fleet) error {
	if n := len(fleet.Stuck()); n > 0 {
		return fmt.Errorf("%d devices kept waiting for their own writes the restore took away (sync/client)", n)
	}
	return nil
}

// repoSize is the size of the pgBackRest repository on disk.
func (d *drill) repoSize() string {
	var total int64
	_ = filepath.Walk(d.l.path("pgbackrest-repo"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			total += fi.Size()
		}
		return nil
	})
	return fmt.Sprintf("repository %.1f MB (with WAL)", float64(total)/1e6)
}

// startRestored starts PostgreSQL on the restored directory, on its own port, without archiving (it must not
// write into the stanza as if it were the province's primary) and without a synchronous standby, and waits until
// recovery ended.
func (d *drill) startRestored(ctx context.Context, data string) error {
	_, err := d.p.start("postgres-restored", nil, true, filepath.Join(d.o.pgBin, "postgres"), "-D", data,
		"-c", fmt.Sprintf("port=%d", portRestore), "-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+d.l.path("run"), "-c", "archive_mode=off",
		"-c", "synchronous_standby_names=", "-c", "hba_file="+filepath.Join(data, "pg_hba.conf"),
		"-c", "ident_file="+filepath.Join(data, "pg_ident.conf"), "-c", "cluster_name=restored")
	if err != nil {
		return err
	}
	return waitFor(ctx, 10*time.Minute, "the restored cluster finished recovery", func() bool {
		out, err := d.p.run(ctx, nil, true, "psql", "-h", d.l.path("run"), "-p", fmt.Sprint(portRestore), "-U", "postgres",
			"-d", "postgres", "-tAc", "SELECT pg_is_in_recovery()")
		return err == nil && strings.TrimSpace(out) == "f"
	})
}

func (d *drill) startRestoredChibo(ctx context.Context) error {
	dir := d.l.path("chibo", "restored")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	env := []string{"CHIBO_ADDR=" + fmt.Sprintf("127.0.0.1:%d", portRestored), "CHIBO_METRICS_ADDR=" + fmt.Sprintf("127.0.0.1:%d", portRestoredM),
		"CHIBO_DATA_DIR=" + dir, fmt.Sprintf("CHIBO_DATABASE_URL=postgres://chibo:%s@127.0.0.1:%d/chibo?sslmode=disable", d.s.chiboDB, portRestore),
		"CHIBO_LOG_FORMAT=text"}
	pr, err := d.p.start("chibo-restored", env, false, d.c.bin, "serve")
	if err != nil {
		return err
	}
	return waitReady(ctx, d.c.plain, pr, fmt.Sprintf("http://127.0.0.1:%d/readyz", portRestored), 2*time.Minute)
}

// backupSQLite is drill 2 for the commune variant: chibo on SQLite, `chibo backup -out`, more writes, then the
// backup copied over chibo.db (the chibo.db.sync-mark note left as it is) and chibo started again.
func (d *drill) backupSQLite(ctx context.Context) error {
	const name = "2 backup SQLite"
	dir := d.l.path("commune")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ref, err := os.ReadFile(filepath.Join(d.l.repo, "deploy", "commune", "chibo.env"))
	if err != nil {
		return err
	}
	var env []string
	for _, line := range strings.Split(string(ref), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			env = append(env, strings.NewReplacer("127.0.0.1:9181", fmt.Sprintf("127.0.0.1:%d", portSQLiteM),
				"https://chibo.xa.gov.vn", fmt.Sprintf("http://127.0.0.1:%d", portSQLite)).Replace(line))
		}
	}
	env = append(env, "CHIBO_DATA_DIR="+dir, fmt.Sprintf("CHIBO_ADDR=127.0.0.1:%d", portSQLite), "CHIBO_LOG_FORMAT=text")
	startChibo := func(demo bool) (*proc, error) {
		e := env
		if demo {
			e = append(e, "CHIBO_DEMO=1")
		}
		pr, err := d.p.start("chibo-sqlite", e, false, d.c.bin, "serve")
		if err != nil {
			return nil, err
		}
		return pr, waitReady(ctx, d.c.plain, pr, fmt.Sprintf("http://127.0.0.1:%d/readyz", portSQLite), 3*time.Minute)
	}
	d.log.Info("drill 2 (SQLite): chibo on SQLite with the demo data", "port", portSQLite)
	pr, err := startChibo(true)
	if err != nil {
		return err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", portSQLite)
	fleet, err := simulate.NewFleet(ctx, url, &http.Client{Timeout: 30 * time.Second}, demoUsers, demoPassword, max(8, d.o.devices/4), 3, "")
	if err != nil {
		return err
	}
	rounds(ctx, fleet, 3)

	backup := d.l.path("commune-backup", "chibo-"+time.Now().UTC().Format("2006-01-02")+".db")
	if err := os.MkdirAll(filepath.Dir(backup), 0o755); err != nil {
		return err
	}
	start := time.Now()
	how := "chibo backup -out"
	if _, err := d.p.run(ctx, env, false, d.c.bin, "backup", "-out", backup); err != nil {
		// Until the server has `chibo backup`: the README's earlier way, SQLite's online backup.
		d.log.Warn("chibo backup failed: using sqlite3 .backup instead", "err", firstLine(err.Error()))
		how = "sqlite3 .backup (chibo backup missing in this build)"
		if _, err := d.p.run(ctx, nil, false, "sqlite3", filepath.Join(dir, "chibo.db"), ".backup '"+backup+"'"); err != nil {
			return err
		}
	}
	fi, err := os.Stat(backup)
	if err != nil {
		return err
	}
	d.figure(name, "online backup ("+how+")", "%s, %.1f MB", time.Since(start).Round(10*time.Millisecond), float64(fi.Size())/1e6)

	mark := time.Now()
	time.Sleep(time.Second)
	rounds(ctx, fleet, 3)
	var past int
	for _, t := range fleet.LastSynced() {
		if t.After(mark) {
			past++
		}
	}
	d.log.Info("drill 2 (SQLite): stop chibo, copy the backup over chibo.db (keep chibo.db.sync-mark), start it")
	start = time.Now()
	pr.stop()
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(filepath.Join(dir, "chibo.db"+suffix))
	}
	if err := copyFile(backup, filepath.Join(dir, "chibo.db")); err != nil {
		return err
	}
	if _, err := startChibo(false); err != nil {
		return err
	}
	d.figure(name, "restore (stop, copy over chibo.db, start until ready)", "%s", time.Since(start).Round(10*time.Millisecond))
	fleet.Work(3)
	unsent, refused0 := outboxLen(fleet)
	fleet.ClearResets()
	acks0 := len(fleet.Acks())
	bad, convErr := fleet.Converge(ctx, 5*time.Minute)
	_, refused1 := outboxLen(fleet)
	reset := 0
	for _, k := range fleet.Resets() {
		if k > 0 {
			reset++
		}
	}
	d.figure(name, "devices that had synced past the backup / told to resync", "%d / %d of %d", past, reset, len(fleet.Devices))
	d.figure(name, "unsent work kept: queued offline → applied, refused", "%d → %d, %d", unsent, len(fleet.Acks())-acks0, refused1-refused0)
	d.figure(name, "devices converged after the restore", "%d of %d", len(fleet.Devices)-len(bad), len(fleet.Devices))
	d.figure(name, "devices whose pull waited for their own lost writes (sync/client Landed)", "%d", len(fleet.Stuck()))
	if convErr != nil {
		return convErr
	}
	return stuckErr(fleet)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
