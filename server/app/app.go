package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/chibo-vn/chibo/server/api"
	"github.com/chibo-vn/chibo/server/auth"
	"github.com/chibo-vn/chibo/server/demo"
	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/files"
	"github.com/chibo-vn/chibo/server/notify"
	"github.com/chibo-vn/chibo/server/push"
	"github.com/chibo-vn/chibo/server/store"
	"github.com/chibo-vn/chibo/sync/engine"
)

// Version is the program's version, set at build time with -ldflags "-X …/server/app.Version=…".
var Version = "dev"

const usage = `Chibo: party-cell meeting supervision server.

Usage:
  chibo [serve] [flags]        run the server (the default)
  chibo migrate [flags]        apply database migrations and exit
  chibo create-admin [flags]   create the first administrator (password from CHIBO_ADMIN_PASSWORD or stdin)
  chibo demo [flags]           generate demo data into an empty database (-communes, -cells, -members for scale)
  chibo new-epoch [flags]      make every device resync from scratch (run it after restoring a backup)
  chibo backup -out FILE       copy the SQLite database while the server runs (PostgreSQL: use pgBackRest or pg_dump)
  chibo version                print the version

Every flag also reads a CHIBO_* environment variable; run "chibo serve -h" for the list. Every command but
version takes -env-file FILE (e.g. /etc/chibo/chibo.env, the systemd unit's EnvironmentFile): its KEY=VALUE
lines are read under the environment and the flags, so the command uses the same database as the service.
`

// Run is the whole program: it parses args and runs a subcommand until ctx is cancelled.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		m := &Main{Stdout: stdout, Stderr: stderr}
		if err := m.ParseFlags(args, getenv); err != nil {
			return err
		}
		SetGCDefault(getenv)
		if err := m.Run(ctx); err != nil {
			return err
		}
		<-ctx.Done()
		return m.Close()
	case "migrate":
		return withDB(ctx, "migrate", args, getenv, stderr, func(ctx context.Context, _ *Config, db *store.DB, log *slog.Logger) error {
			names, err := db.Migrate(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "applied %d migration(s) %v\n", len(names), names)
			return nil
		})
	case "create-admin":
		return createAdmin(ctx, args, getenv, stdin, stdout, stderr)
	case "demo":
		return demoCmd(ctx, args, getenv, stdout, stderr)
	case "new-epoch":
		return withDB(ctx, "new-epoch", args, getenv, stderr, func(ctx context.Context, _ *Config, db *store.DB, log *slog.Logger) error {
			if err := db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
				return store.NewEpoch(ctx, tx, log, "chibo new-epoch (run by hand after a restore)")
			}); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "new sync epoch: devices will resync from scratch, keeping their unsent changes")
			return nil
		})
	case "backup":
		return backupCmd(ctx, args, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// Main is a running server: the database, the HTTP server and the listener. End-to-end tests use it to run the
// real program on a free port.
type Main struct {
	Config Config
	Stdout io.Writer
	Stderr io.Writer

	log      *slog.Logger
	db       *store.DB
	srv      *http.Server
	listener net.Listener
	done     chan error

	// metricsSrv serves /metrics alone on CHIBO_METRICS_ADDR (nil when it is empty).
	metricsSrv  *http.Server
	metricsLn   net.Listener
	metricsDone chan error

	workers     sync.WaitGroup
	stopWorkers context.CancelFunc
}

// ParseFlags reads the configuration.
func (m *Main) ParseFlags(args []string, getenv func(string) string) error {
	fs := flag.NewFlagSet("chibo serve", flag.ContinueOnError)
	fs.SetOutput(m.stderr())
	return m.Config.parse(fs, args, getenv)
}

func (m *Main) stderr() io.Writer {
	if m.Stderr == nil {
		return os.Stderr
	}
	return m.Stderr
}

func (m *Main) stdout() io.Writer {
	if m.Stdout == nil {
		return io.Discard
	}
	return m.Stdout
}

// Run opens and migrates the database, seeds the demo data when asked, and starts serving. It returns once the
// server listens; Close stops it.
func (m *Main) Run(ctx context.Context) (err error) {
	cfg := &m.Config
	m.log = cfg.logger(m.stderr())
	m.log.Info("starting", "version", Version, "database", cfg.redactedDB())
	m.db, err = openMigrated(ctx, cfg, m.log)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			m.db.Close()
		}
	}()
	var summary *demo.Summary
	if cfg.Demo {
		seeded, s, err := demo.SeedOnce(ctx, m.db, demo.Config{})
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if seeded {
			m.log.Info("demo data seeded", "org_units", s.OrgUnits, "members", s.Members, "meetings", s.Meetings)
		}
		summary = s
	}
	key, err := signingKey(ctx, cfg, m.db)
	if err != nil {
		return err
	}
	tokens, err := auth.NewTokens(key, "chibo", "chibo-api")
	if err != nil {
		return err
	}
	ttl, _ := time.ParseDuration(cfg.AccessTTL)
	tokens.SetTTL(ttl)
	proxies, _ := cfg.trustedProxies()
	m.listener, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	public := cfg.PublicURL
	if public == "" {
		public = "http://localhost:" + portOf(m.listener.Addr())
	}
	keys, err := vapidKeys(ctx, m.db)
	if err != nil {
		return err
	}
	subject, err := pushSubject(cfg, public)
	if err != nil {
		return err
	}
	allowHTTP := isTrue(cfg.PushAllowHTTP)
	sender, err := push.NewSender(push.SenderConfig{Keys: keys, Subscriber: subject, AllowHTTP: allowHTTP})
	if err != nil {
		return fmt.Errorf("web push: %w", err)
	}
	burst, _ := cfg.loginBurst()
	fcfg, _ := cfg.files()
	fsvc, err := files.Open(ctx, fcfg, m.db, files.Options{Authorize: engine.CanWriteFiles, RenderError: api.ErrorJSON, Log: m.log})
	if err != nil {
		m.listener.Close()
		return err
	}
	m.log.Info("files", "blobs", fsvc.Blobs().Where())
	s := api.New(m.db, tokens, m.log, api.Config{PublicURL: public, TrustedProxies: proxies, Version: Version,
		PushPublicKey: keys.Public, PushAllowHTTP: allowHTTP, LoginBurst: burst, Files: fsvc, MetricsToken: cfg.MetricsToken})
	if err := m.listenMetrics(s.MetricsHandler()); err != nil {
		m.listener.Close()
		return err
	}
	poll, _ := time.ParseDuration(cfg.PushPoll)
	retention, _ := cfg.retention()
	batch, _ := cfg.jobBatch()
	worker := notify.NewWorker(m.db, pusher{sender}, m.log.With("worker", "notify"), s.NotifyMetrics(),
		notify.Options{PollEvery: poll, Retention: retention, JobBatch: batch})
	m.db.OnCommit(func(tables map[string]bool) {
		if tables["notifications"] || tables["assignments"] || tables["meetings"] {
			worker.Wake() // a push was queued or a reminder may have changed here; other instances poll
		}
	})
	m.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
	m.done = make(chan error, 1)
	go func() { m.done <- m.srv.Serve(m.listener) }()
	workers, stop := context.WithCancel(context.WithoutCancel(ctx))
	m.stopWorkers = stop
	m.workers.Add(1)
	go func() {
		defer m.workers.Done()
		s.Sync().RunPruner(workers, store.Batch{Size: batch})
	}()
	m.workers.Add(1)
	go func() {
		defer m.workers.Done()
		worker.Run(workers)
	}()
	m.workers.Add(1)
	go func() {
		defer m.workers.Done()
		fsvc.RunPruner(workers)
	}()
	m.log.Info("listening", "addr", m.listener.Addr().String(), "url", public)
	printWelcome(m.stdout(), public, cfg.Demo, summary)
	return nil
}

// listenMetrics starts the listener of CHIBO_METRICS_ADDR, which serves h (/metrics alone), if one is set.
func (m *Main) listenMetrics(h http.Handler) error {
	addr := strings.TrimSpace(m.Config.MetricsAddr)
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s (CHIBO_METRICS_ADDR): %w", addr, err)
	}
	m.metricsLn = ln
	m.metricsSrv = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)}
	m.metricsDone = make(chan error, 1)
	go func() { m.metricsDone <- m.metricsSrv.Serve(ln) }()
	m.log.Info("metrics listening", "addr", ln.Addr().String())
	return nil
}

// URL returns the address the server listens on, e.g. http://127.0.0.1:41234.
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// MetricsURL returns the address of the metrics listener, e.g. http://127.0.0.1:9100, or "" without one.
func (m *Main) MetricsURL() string {
	if m.metricsLn == nil {
		return ""
	}
	return "http://" + m.metricsLn.Addr().String()
}

// DB returns the open database (tests).
func (m *Main) DB() *store.DB { return m.db }

// Close stops the server in order: stop accepting, let requests in flight finish (up to 15 s), stop the
// background workers, close the database.
func (m *Main) Close() error {
	var err error
	if m.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		err = m.srv.Shutdown(ctx)
		if serr := <-m.done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
	}
	if m.metricsSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(err, m.metricsSrv.Shutdown(ctx))
		if serr := <-m.metricsDone; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
	}
	if m.stopWorkers != nil {
		m.stopWorkers()
		m.workers.Wait()
	}
	if m.db != nil {
		err = errors.Join(err, m.db.Close())
	}
	if m.log != nil {
		m.log.Info("stopped")
	}
	return err
}

func portOf(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return port
}

// featuredLogins are the demo logins the welcome text shows; the others (canbo2…, bithu2…) are listed in the README.
var featuredLogins = [][2]string{
	{"admin", "quản trị tỉnh / province admin"},
	{"giamsat", "giám sát toàn tỉnh / province supervisor"},
	{"giamsat2", "giám sát một xã / supervisor of one commune"},
	{"canbo", "cán bộ dự sinh hoạt 3 chi bộ / official assigned to 3 cells"},
	{"bithu", "bí thư chi bộ / cell secretary"},
	{"ubnd", "UBND xã trả lời kiến nghị / answers recommendations"},
	{"songnmt", "Sở Nông nghiệp và Môi trường trả lời kiến nghị / answers for a provincial department"},
	{"tinhuy", "cán bộ tỉnh dự hội nghị Đảng ủy xã mở rộng / provincial official at expanded committee meetings"},
}

func printWelcome(w io.Writer, url string, demoOn bool, s *demo.Summary) {
	fmt.Fprintf(w, "\nChibo đang chạy / is running: %s\n", url)
	if demoOn {
		if s != nil {
			fmt.Fprintf(w, "Dữ liệu mẫu vừa tạo / demo data seeded: %d tổ chức, %d đảng viên, %d buổi sinh hoạt, %d kiến nghị\n",
				s.OrgUnits, s.Members, s.Meetings, s.Recommendations)
		}
		fmt.Fprintln(w, "Tài khoản mẫu / demo logins (mật khẩu / password: "+demo.Password+"):")
		for _, l := range featuredLogins {
			fmt.Fprintf(w, "  %-9s %s\n", l[0], l[1])
		}
	}
	fmt.Fprintln(w, "Dừng / stop: Ctrl+C")
}

func openMigrated(ctx context.Context, cfg *Config, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.storeOptions())
	if err != nil {
		return nil, err
	}
	db.Log = log
	names, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(names) > 0 {
		log.Info("migrations applied", "names", names)
	}
	return db, nil
}

// signingKey returns CHIBO_JWT_SECRET, or the key generated once and kept in the database, which every instance
// on the same database shares.
func signingKey(ctx context.Context, cfg *Config, db *store.DB) ([]byte, error) {
	if cfg.JWTSecret != "" {
		return []byte(cfg.JWTSecret), nil
	}
	k, err := store.Secret(ctx, db.W, "jwt_signing_key", auth.NewSigningKey)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return []byte(k), nil
}

// withDB runs fn with the configuration and an open, migrated database.
func withDB(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer,
	fn func(context.Context, *Config, *store.DB, *slog.Logger) error, extra ...func(*flag.FlagSet)) error {
	fs := flag.NewFlagSet("chibo "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, e := range extra {
		e(fs)
	}
	var cfg Config
	if err := cfg.parse(fs, args, getenv); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	var db *store.DB
	var err error
	if name == "migrate" { // the command itself migrates and reports what it applied
		db, err = store.Open(ctx, cfg.storeOptions())
	} else {
		db, err = openMigrated(ctx, &cfg, log)
	}
	if err != nil {
		return err
	}
	db.Log = log
	err = fn(ctx, &cfg, db, log)
	err = errors.Join(err, db.Close())
	if cfg.DatabaseURL == "" {
		err = errors.Join(err, handBack(cfg.DataDir))
	}
	return err
}

func createAdmin(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	var username, name string
	var force bool
	flags := func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "admin", "login name")
		fs.StringVar(&name, "name", "Quản trị hệ thống", "display name")
		fs.BoolVar(&force, "force", false, "create even if an administrator exists")
	}
	return withDB(ctx, "create-admin", args, getenv, stderr, func(ctx context.Context, cfg *Config, db *store.DB, _ *slog.Logger) error {
		n, err := db.R.NewSelect().Model((*store.RoleGrant)(nil)).Where("role = ?", domain.RoleAdmin).Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 && !force {
			return errors.New("an administrator already exists; use -force to add another")
		}
		pw := cfg.getenv("CHIBO_ADMIN_PASSWORD")
		if pw == "" {
			fmt.Fprint(stderr, "Mật khẩu / password: ")
			line, err := bufio.NewReader(stdin).ReadString('\n')
			if err != nil && line == "" {
				return errors.New("no password: set CHIBO_ADMIN_PASSWORD or type it on standard input")
			}
			pw = strings.TrimRight(line, "\r\n")
		}
		if len([]rune(pw)) < auth.MinPasswordLen {
			return fmt.Errorf("the password must have at least %d characters", auth.MinPasswordLen)
		}
		hash, err := auth.HashPassword(pw, auth.DefaultArgon2)
		if err != nil {
			return err
		}
		u := &store.User{Username: username, DisplayName: name, PasswordHash: hash, Active: true}
		err = db.Write(ctx, func(ctx context.Context, tx bun.Tx) error {
			if err := store.CreateUser(ctx, tx, u); err != nil {
				return err
			}
			return store.CreateGrant(ctx, tx, &store.RoleGrant{UserID: u.ID, Role: domain.RoleAdmin})
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created administrator %q over the whole installation\n", u.Username)
		return nil
	}, flags)
}

func demoCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var dc demo.Config
	var seed uint64
	flags := func(fs *flag.FlagSet) {
		fs.IntVar(&dc.Communes, "communes", 3, "communes")
		fs.IntVar(&dc.CellsPerCommune, "cells", 10, "cells per commune")
		fs.IntVar(&dc.MembersPerCell, "members", 24, "average members per cell")
		fs.IntVar(&dc.Officials, "officials", 10, "officials")
		fs.IntVar(&dc.Supervisors, "supervisors", 2, "supervisors (giamsat over the province, the others over one commune each)")
		fs.IntVar(&dc.Months, "months", 12, "months of meeting history")
		fs.Uint64Var(&seed, "seed", 1, "random seed (the same seed gives the same data)")
	}
	return withDB(ctx, "demo", args, getenv, stderr, func(ctx context.Context, _ *Config, db *store.DB, _ *slog.Logger) error {
		dc.Seed = seed
		start := time.Now()
		s, err := demo.Generate(ctx, db, dc)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "generated in %s: %d org units, %d members, %d users, %d meetings, %d attendance rows, %d recommendations\n",
			time.Since(start).Round(time.Millisecond), s.OrgUnits, s.Members, s.Users, s.Meetings, s.Attendance, s.Recommendations)
		return nil
	}, flags)
}

// backupCmd copies the SQLite database to -out while the server may be running (store.DB.Backup). It opens the
// file without migrating it or touching the note beside it; PostgreSQL is refused with where to turn instead.
func backupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chibo backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var out string
	fs.StringVar(&out, "out", "", "the backup file to write (replaced atomically if it exists)")
	var cfg Config
	if err := cfg.parse(fs, args, getenv); err != nil {
		return err
	}
	if u := strings.TrimSpace(cfg.DatabaseURL); strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://") {
		return errors.New("chibo backup copies a SQLite database only; back up PostgreSQL with pgBackRest " +
			"(continuous archiving and point-in-time recovery) or pg_dump, then run chibo new-epoch after a restore")
	}
	if out == "" {
		return errors.New("chibo backup: -out FILE is required")
	}
	if cfg.DatabaseURL == "" { // opening would create an empty database
		path := filepath.Join(cfg.DataDir, "chibo.db")
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("chibo backup: no database at %s (set CHIBO_DATA_DIR or -env-file): %w", path, err)
		}
	}
	db, err := store.Open(ctx, cfg.storeOptions())
	if err != nil {
		return err
	}
	start := time.Now()
	err = db.Backup(ctx, out)
	err = errors.Join(err, db.Close())
	if cfg.DatabaseURL == "" {
		err = errors.Join(err, handBack(cfg.DataDir)) // a WAL opened by root while the service was stopped
	}
	if err != nil {
		return err
	}
	fi, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes) in %s\n", cfg.redactedDB(), out, fi.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}
