// Command drill runs the reference deployment of a province (deploy/province) on this machine's loopback and
// drills it: a PostgreSQL failover and a killed chibo instance under simulated devices (drill 1), a pgBackRest
// backup and point-in-time restore, and the commune variant's SQLite backup and restore (drill 2), and the load
// generator when deploy/load exists (drill 3). The configuration is generated from the reference files, with
// only addresses, paths and secrets replaced, so it follows the README's chapter "Deploying for a province".
//
//	go run ./deploy/drill                 # make drill
//	go run ./deploy/drill -only failover  # make drill-failover
//	go run ./deploy/drill -only backup    # make drill-backup
//
// Prometheus scrapes the province with the reference prometheus.yml and alerts.yml while the drills run; the
// figures say which targets are up, which rules loaded and which alerts fired.
//
// It needs Debian's patroni, etcd-server, haproxy, caddy, pgbackrest, prometheus, prometheus-node-exporter and
// PostgreSQL 15 (make drill installs them when run as root). Ports 20000-20999 on 127.0.0.1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "drill:", err)
		os.Exit(1)
	}
}

// options are the drill's flags.
type options struct {
	only      string
	devices   int
	keep      bool
	repo      string
	pgBin     string
	loadFlags string
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("drill", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.only, "only", "all", "which drills: all, failover, backup, load")
	fs.IntVar(&o.devices, "devices", 40, "simulated devices")
	fs.BoolVar(&o.keep, "keep", false, "keep the drill's directory (configurations, logs, data) at the end")
	fs.StringVar(&o.repo, "repo", ".", "the repository's root")
	fs.StringVar(&o.pgBin, "pg-bin", "/usr/lib/postgresql/15/bin", "PostgreSQL's binaries")
	fs.StringVar(&o.loadFlags, "load-duration", "10m", "drill 3: how long the load generator runs (the issue's 10 minutes)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.only != "all" && o.only != "failover" && o.only != "backup" && o.only != "load" && o.only != "up" {
		return fmt.Errorf("-only %q: want all, failover, backup, load or up (bring the province up, then stop)", o.only)
	}
	if err := checkTools(o.pgBin); err != nil {
		return err
	}
	repo, err := filepath.Abs(o.repo)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "chibo-drill-")
	if err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	log.Info("drill directory", "dir", dir)
	d := &drill{o: o, l: layout{root: dir, repo: repo}, log: log, out: out, s: newSecrets()}
	if d.p, err = newProcs(dir); err != nil {
		return err
	}
	defer func() {
		d.p.stopAll()
		if o.keep {
			log.Info("kept the drill's directory", "dir", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()
	runErr := d.all(ctx)
	d.promReport(ctx)
	d.printFigures()
	if runErr != nil && !o.keep {
		log.Info("logs of the failed drill", "dir", filepath.Join(dir, "logs"), "hint", "run with -keep to keep them")
	}
	return runErr
}

// packages lists the Debian packages the drill needs and a binary of each.
var packages = [][2]string{
	{"patroni", "patroni"}, {"etcd-server", "etcd"}, {"haproxy", "haproxy"}, {"caddy", "caddy"},
	{"pgbackrest", "pgbackrest"}, {"prometheus", "promtool"},
	{"prometheus-node-exporter", "prometheus-node-exporter"},
}

// checkTools fails with the command to run when a package is missing.
func checkTools(pgBin string) error {
	var missing []string
	for _, p := range packages {
		if _, err := exec.LookPath(p[1]); err != nil {
			missing = append(missing, p[0])
		}
	}
	if _, err := os.Stat(filepath.Join(pgBin, "postgres")); err != nil {
		missing = append(missing, "postgresql-15")
	}
	if len(missing) > 0 {
		cmd := "apt-get install -y"
		for _, m := range missing {
			cmd += " " + m
		}
		return fmt.Errorf("missing Debian packages: run '%s' (as root), or 'make drill' as root installs them", cmd)
	}
	return nil
}

// drill is one run: its directory, processes and figures.
type drill struct {
	o   options
	l   layout
	p   *procs
	s   secrets
	log *slog.Logger
	out io.Writer

	figures []figure
	c       *cluster
	prom    *prom // the drill's Prometheus, once the province is up
}

// figure is one line of the final table.
type figure struct{ drill, measure, value string }

func (d *drill) figure(drill, measure, format string, args ...any) {
	d.figures = append(d.figures, figure{drill, measure, fmt.Sprintf(format, args...)})
	d.log.Info("figure", "drill", drill, "measure", measure, "value", fmt.Sprintf(format, args...))
}

func (d *drill) printFigures() {
	if len(d.figures) == 0 {
		return
	}
	fmt.Fprintln(d.out, "\n| drill | measure | figure |\n|---|---|---|")
	for _, f := range d.figures {
		fmt.Fprintf(d.out, "| %s | %s | %s |\n", f.drill, f.measure, f.value)
	}
}

func (d *drill) all(ctx context.Context) error {
	if err := d.checkReference(ctx); err != nil {
		return err
	}
	c, err := d.up(ctx)
	if err != nil {
		return fmt.Errorf("bring the province up: %w", err)
	}
	d.c = c
	var errs []error
	// The load goes first, on the province as chibo demo made it: drill 1's simulated devices write as no cell does
	// (a held meeting every few minutes, a fifth of the members excused at each), and after them drill 3 would read
	// a province no office keeps.
	if d.o.only == "all" || d.o.only == "load" {
		if err := d.load(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drill 3 (load): %w", err))
		}
	}
	if d.o.only == "all" || d.o.only == "failover" {
		if err := d.failover(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drill 1 (failover): %w", err))
		}
	}
	if d.o.only == "all" || d.o.only == "backup" {
		if err := d.backupPG(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drill 2 (PostgreSQL backup and restore): %w", err))
		}
		if err := d.backupSQLite(ctx); err != nil {
			errs = append(errs, fmt.Errorf("drill 2 (SQLite backup and restore): %w", err))
		}
	}
	return errors.Join(errs...)
}

// checkReference validates the reference Prometheus files with promtool, as the README asks before installing.
func (d *drill) checkReference(ctx context.Context) error {
	start := time.Now()
	if _, err := d.p.run(ctx, nil, false, "promtool", "check", "config", d.l.ref("prometheus.yml")); err != nil {
		return fmt.Errorf("prometheus.yml: %w", err)
	}
	if _, err := d.p.run(ctx, nil, false, "haproxy", "-c", "-f", d.l.ref("haproxy.cfg")); err != nil {
		// The reference names the private network's addresses: only the syntax is checked here.
		d.log.Warn("haproxy -c on the reference file", "err", err)
	}
	d.log.Info("reference files checked", "took", time.Since(start).Round(time.Millisecond))
	return nil
}
