package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ---------------------------------------------------------------------------------------------------------------
// DRILL 3 HOOK: the load generator (deploy/load, package main, another part of issue #14). When deploy/load holds
// Go files, the drill runs it against the province through Caddy, trusting Caddy's internal CA (SSL_CERT_FILE),
// and prints its report; when it does not exist yet, drill 3 is skipped with a note.
// ---------------------------------------------------------------------------------------------------------------
func (d *drill) load(ctx context.Context) error {
	const name = "3 load"
	files, _ := filepath.Glob(filepath.Join(d.l.repo, "deploy", "load", "*.go"))
	if len(files) == 0 {
		d.figure(name, "go run ./deploy/load", "skipped: deploy/load does not exist in this tree")
		return nil
	}
	report := d.l.path("load-report.json")
	root := d.l.path("caddy", "data", "caddy", "pki", "authorities", "local", "root.crt")
	// -database-url (the primary, as the application's role) makes the duplicates check real: reminders brought
	// due during the run, pushes to the phones compared with push_outbox (the instances allow http push
	// endpoints, startChibo).
	dbURL := fmt.Sprintf("postgres://chibo:%s@127.0.0.1:%d/chibo?sslmode=disable", d.s.chiboDB, portPGPrimary)
	args := []string{"-C", d.l.repo, "run", "./deploy/load", "-url", d.c.url, "-officials", "1000",
		"-duration", d.o.loadFlags, "-supervisors", "5", "-out", report,
		// The servers' memory from their metrics listeners.
		"-metrics-url", "http://127.0.0.1:20181/metrics,http://127.0.0.1:20182/metrics", "-database-url", dbURL}
	d.log.Info("drill 3: the load generator", "args", strings.Join(args[2:len(args)-1], " ")+" postgres://chibo:…")
	start := time.Now()
	out, err := d.p.run(ctx, []string{"SSL_CERT_FILE=" + root}, false, "go", args...)
	os.Stdout.WriteString(out)
	if err != nil {
		d.figure(name, "go run ./deploy/load", "FAILED after %s (output above)", time.Since(start).Round(time.Second))
		return err
	}
	d.figure(name, "go run ./deploy/load", "done in %s, report %s (printed above)", time.Since(start).Round(time.Second), report)
	return nil
}
