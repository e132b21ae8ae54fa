// Package app is the program: configuration from flags and CHIBO_* variables, the subcommands (serve, migrate,
// create-admin, demo), start-up and ordered shutdown. Main is reused by end-to-end tests to run a real server.
package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/chibo-vn/chibo/server/files"
	"github.com/chibo-vn/chibo/server/store"
)

// Config is read once at start from flags, then CHIBO_* environment variables, then defaults, and passed down.
type Config struct {
	Addr           string // CHIBO_ADDR: listen address
	DatabaseURL    string // CHIBO_DATABASE_URL: postgres://… for PostgreSQL; empty for SQLite in DataDir
	DataDir        string // CHIBO_DATA_DIR: where the SQLite file lives
	PublicURL      string // CHIBO_PUBLIC_URL: the address users reach the server at
	LogLevel       string // CHIBO_LOG_LEVEL: debug, info, warn, error
	LogFormat      string // CHIBO_LOG_FORMAT: text or json
	JWTSecret      string // CHIBO_JWT_SECRET: signing key; empty: generated once and kept in the database
	TrustedProxies string // CHIBO_TRUSTED_PROXIES: comma-separated CIDRs of reverse proxies
	AccessTTL      string // CHIBO_ACCESS_TTL: access-token lifetime, at most 15m
	PushSubject    string // CHIBO_PUSH_SUBJECT: the contact (mailto: or https:) push services see
	PushAllowHTTP  string // CHIBO_PUSH_ALLOW_HTTP: accept push endpoints over plain http (tests only)
	PushPoll       string // CHIBO_PUSH_POLL: how often the notification worker polls its tables
	RetainPushes   string // CHIBO_RETAIN_PUSHES: how long finished push deliveries are kept
	RetainRemind   string // CHIBO_RETAIN_REMINDERS: how long spent reminders are kept
	RetainSessions string // CHIBO_RETAIN_SESSIONS: how long expired or revoked sessions are kept
	JobBatch       string // CHIBO_JOB_BATCH: rows a background job's transaction touches at most
	LoginBurst     string // CHIBO_LOGIN_BURST: sign-ins one client address may make at once, then one per 6 s
	S3Endpoint     string // CHIBO_S3_ENDPOINT: host:port of an S3-compatible object store for files; empty: the data directory
	S3Bucket       string // CHIBO_S3_BUCKET
	S3AccessKey    string // CHIBO_S3_ACCESS_KEY
	S3SecretKey    string // CHIBO_S3_SECRET_KEY
	S3Region       string // CHIBO_S3_REGION
	S3TLS          string // CHIBO_S3_TLS: https to the object store
	MetricsAddr    string // CHIBO_METRICS_ADDR: listen address of a listener serving only /metrics; empty: none
	MetricsToken   string // CHIBO_METRICS_TOKEN: bearer token that opens /metrics on the main listener
	DBMaxConns     string // CHIBO_DB_MAX_CONNS: PostgreSQL pool size
	DBMaxIdle      string // CHIBO_DB_MAX_IDLE: idle PostgreSQL connections kept; empty: the pool size
	Demo           bool   // CHIBO_DEMO: seed the demo data set into an empty database

	// EnvFile is the -env-file flag: a file of KEY=VALUE lines (systemd's EnvironmentFile= format) read as
	// defaults under the real environment and the flags.
	EnvFile string
	env     func(string) string // the environment, with the env file's values under it
}

// setting describes one configuration value for flags, the environment and the README's table.
type setting struct {
	flag, env, def, help string
	ptr                  *string
}

func (c *Config) settings() []setting {
	return []setting{
		{"addr", "CHIBO_ADDR", ":8080", "listen address", &c.Addr},
		{"database-url", "CHIBO_DATABASE_URL", "", "PostgreSQL URL (postgres://…); empty uses SQLite in the data directory", &c.DatabaseURL},
		{"data-dir", "CHIBO_DATA_DIR", "./data", "data directory (SQLite database file chibo.db)", &c.DataDir},
		{"public-url", "CHIBO_PUBLIC_URL", "", "address users reach the server at (https turns on HSTS); default http://localhost:PORT", &c.PublicURL},
		{"log-level", "CHIBO_LOG_LEVEL", "info", "debug, info, warn or error", &c.LogLevel},
		{"log-format", "CHIBO_LOG_FORMAT", "text", "text or json", &c.LogFormat},
		{"jwt-secret", "CHIBO_JWT_SECRET", "", "access-token signing key (≥ 32 bytes); empty: generated once and stored in the database", &c.JWTSecret},
		{"trusted-proxies", "CHIBO_TRUSTED_PROXIES", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted", &c.TrustedProxies},
		{"access-ttl", "CHIBO_ACCESS_TTL", "15m", "access-token lifetime (at most 15m; shorter only for tests)", &c.AccessTTL},
		{"push-subject", "CHIBO_PUSH_SUBJECT", "", "contact sent to push services (mailto:… or https://…); default the https public URL", &c.PushSubject},
		{"push-allow-http", "CHIBO_PUSH_ALLOW_HTTP", "false", "accept push endpoints over plain http (tests with a local push service only)", &c.PushAllowHTTP},
		{"push-poll", "CHIBO_PUSH_POLL", "5s", "how often the notification worker looks for due reminders and pushes", &c.PushPoll},
		{"retain-pushes", "CHIBO_RETAIN_PUSHES", "720h", "how long push deliveries are kept after they were sent or failed for good (at least 24h)", &c.RetainPushes},
		{"retain-reminders", "CHIBO_RETAIN_REMINDERS", "2160h", "how long reminders are kept after they came due and were sent, skipped or withdrawn (at least 1080h)", &c.RetainRemind},
		{"retain-sessions", "CHIBO_RETAIN_SESSIONS", "720h", "how long sessions (refresh tokens) are kept after they expired or were revoked (at least 24h)", &c.RetainSessions},
		{"job-batch", "CHIBO_JOB_BATCH", "1000", "rows a background job's transaction touches at most (50–20000)", &c.JobBatch},
		{"login-burst", "CHIBO_LOGIN_BURST", "20", "sign-ins one client address may make at once before it waits 6 s per further sign-in (5–10000; raise it where many users share one address, like a commune office behind one router)", &c.LoginBurst},
		{"s3-endpoint", "CHIBO_S3_ENDPOINT", "", "host:port of an S3-compatible object store (AWS S3, MinIO, SeaweedFS…) for meetings' photos; empty keeps them in the data directory (files/, uploads/). Needed when several instances serve one installation", &c.S3Endpoint},
		{"s3-bucket", "CHIBO_S3_BUCKET", "", "the object store's bucket (created at start-up if missing): contents under files/, uploads in progress under uploads/", &c.S3Bucket},
		{"s3-access-key", "CHIBO_S3_ACCESS_KEY", "", "the object store's access key", &c.S3AccessKey},
		{"s3-secret-key", "CHIBO_S3_SECRET_KEY", "", "the object store's secret key", &c.S3SecretKey},
		{"s3-region", "CHIBO_S3_REGION", "us-east-1", "the object store's region", &c.S3Region},
		{"s3-tls", "CHIBO_S3_TLS", "true", "https to the object store (false for plain http on a private network)", &c.S3TLS},
		{"metrics-addr", "CHIBO_METRICS_ADDR", "", "listen address of a second listener that serves only /metrics, without a token (e.g. 127.0.0.1:9100); empty: none", &c.MetricsAddr},
		{"metrics-token", "CHIBO_METRICS_TOKEN", "", "bearer token that opens /metrics on the main listener (≥ 16 characters); empty: /metrics there answers 404", &c.MetricsToken},
		{"db-max-conns", "CHIBO_DB_MAX_CONNS", "20", "PostgreSQL connection pool size of this instance (2–1000); SQLite keeps its own pools", &c.DBMaxConns},
		{"db-max-idle", "CHIBO_DB_MAX_IDLE", "", "idle PostgreSQL connections kept open (1 to the pool size); default the pool size", &c.DBMaxIdle},
	}
}

// parse fills c from args, then getenv, then the -env-file, then defaults. Flags win over the environment, the
// environment over the file.
func (c *Config) parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	sets := c.settings()
	for _, s := range sets {
		fs.StringVar(s.ptr, s.flag, "", s.help+" ["+s.env+"]")
	}
	demo := fs.Bool("demo", false, "seed the demo data set into an empty database [CHIBO_DEMO]")
	fs.StringVar(&c.EnvFile, "env-file", "", "file of KEY=VALUE lines (systemd EnvironmentFile= format, e.g. /etc/chibo/chibo.env) read under the environment and the flags")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags come as -name value)", fs.Arg(0))
	}
	getenv, err := withEnvFile(getenv, c.EnvFile)
	if err != nil {
		return err
	}
	c.env = getenv
	for _, s := range sets {
		if *s.ptr == "" {
			*s.ptr = getenv(s.env)
		}
		if *s.ptr == "" {
			*s.ptr = s.def
		}
	}
	c.Demo = *demo || isTrue(getenv("CHIBO_DEMO"))
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		return errors.New("CHIBO_JWT_SECRET must be at least 32 bytes")
	}
	if d, err := time.ParseDuration(c.AccessTTL); err != nil || d <= 0 || d > 15*time.Minute {
		return errors.New("CHIBO_ACCESS_TTL must be a duration up to 15m")
	}
	if d, err := time.ParseDuration(c.PushPoll); err != nil || d < 100*time.Millisecond || d > time.Hour {
		return errors.New("CHIBO_PUSH_POLL must be a duration between 100ms and 1h")
	}
	if _, err := c.retention(); err != nil {
		return err
	}
	if _, err := c.jobBatch(); err != nil {
		return err
	}
	if _, err := c.loginBurst(); err != nil {
		return err
	}
	if s := strings.TrimSpace(c.PushSubject); s != "" && !strings.HasPrefix(s, "mailto:") && !strings.HasPrefix(s, "https://") {
		return errors.New("CHIBO_PUSH_SUBJECT must start with mailto: or https://")
	}
	if _, err := c.trustedProxies(); err != nil {
		return err
	}
	if _, err := c.logLevel(); err != nil {
		return err
	}
	if _, err := c.files(); err != nil {
		return err
	}
	if _, _, err := c.dbPool(); err != nil {
		return err
	}
	return c.checkMetrics()
}

// withEnvFile returns getenv with the values of the env file at path under it (getenv wins unless it is empty).
func withEnvFile(getenv func(string) string, path string) (func(string) string, error) {
	if path == "" {
		return getenv, nil
	}
	file, err := readEnvFile(path)
	if err != nil {
		return nil, err
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return file[k]
	}, nil
}

// getenv reads a variable of the environment parse saw, the env file's values included.
func (c *Config) getenv(k string) string {
	if c.env == nil {
		return ""
	}
	return c.env(k)
}

// dbPool returns the PostgreSQL pool size and the idle connections it keeps.
func (c *Config) dbPool() (conns, idle int, err error) {
	conns, err = strconv.Atoi(strings.TrimSpace(c.DBMaxConns))
	if err != nil || conns < 2 || conns > 1000 {
		return 0, 0, errors.New("CHIBO_DB_MAX_CONNS must be a number from 2 to 1000")
	}
	if strings.TrimSpace(c.DBMaxIdle) == "" {
		return conns, conns, nil
	}
	idle, err = strconv.Atoi(strings.TrimSpace(c.DBMaxIdle))
	if err != nil || idle < 1 || idle > conns {
		return 0, 0, fmt.Errorf("CHIBO_DB_MAX_IDLE must be a number from 1 to CHIBO_DB_MAX_CONNS (%d)", conns)
	}
	return conns, idle, nil
}

// storeOptions says how to open the database: the pool settings apply to PostgreSQL only.
func (c *Config) storeOptions() store.Options {
	o := store.Options{URL: c.DatabaseURL, DataDir: c.DataDir}
	if c.DatabaseURL != "" {
		o.MaxConns, o.MaxIdle, _ = c.dbPool()
	}
	return o
}

// minMetricsToken is the shortest metrics token accepted: the token is a password a scanner could guess.
const minMetricsToken = 16

func (c *Config) checkMetrics() error {
	c.MetricsToken = strings.TrimSpace(c.MetricsToken)
	if c.MetricsToken != "" && len(c.MetricsToken) < minMetricsToken {
		return fmt.Errorf("CHIBO_METRICS_TOKEN must be at least %d characters (e.g. openssl rand -hex 24)", minMetricsToken)
	}
	if a := strings.TrimSpace(c.MetricsAddr); a != "" {
		_, port, err := net.SplitHostPort(a)
		if err != nil {
			return fmt.Errorf("CHIBO_METRICS_ADDR: %q is not host:port", a)
		}
		if a == strings.TrimSpace(c.Addr) && port != "0" {
			return errors.New("CHIBO_METRICS_ADDR must differ from CHIBO_ADDR")
		}
	}
	return nil
}

// files returns where meetings' photos are kept: the data directory, or the object store of CHIBO_S3_*.
func (c *Config) files() (files.Config, error) {
	tls, err := strconv.ParseBool(strings.TrimSpace(c.S3TLS))
	if err != nil {
		return files.Config{}, errors.New("CHIBO_S3_TLS must be true or false")
	}
	f := files.Config{DataDir: c.DataDir, S3: files.S3Config{Endpoint: strings.TrimSpace(c.S3Endpoint), Bucket: strings.TrimSpace(c.S3Bucket),
		AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey, Region: strings.TrimSpace(c.S3Region), TLS: tls}}
	if f.S3.Endpoint == "" && (f.S3.Bucket != "" || f.S3.AccessKey != "" || f.S3.SecretKey != "") {
		return f, errors.New("CHIBO_S3_BUCKET or a CHIBO_S3_* key is set but CHIBO_S3_ENDPOINT is not: set the endpoint (host:port) too, or unset them to keep files in the data directory")
	}
	return f, f.S3.Check()
}

// retention returns the retention periods of the retention job.
func (c *Config) retention() (store.Retention, error) {
	var r store.Retention
	for _, v := range []struct {
		env, s string
		least  time.Duration
		dst    *time.Duration
	}{{"CHIBO_RETAIN_PUSHES", c.RetainPushes, 24 * time.Hour, &r.Pushes},
		{"CHIBO_RETAIN_REMINDERS", c.RetainRemind, store.MinReminderRetention, &r.Reminders},
		{"CHIBO_RETAIN_SESSIONS", c.RetainSessions, 24 * time.Hour, &r.Sessions}} {
		d, err := time.ParseDuration(v.s)
		if err != nil || d < v.least {
			return r, fmt.Errorf("%s must be a duration of at least %s", v.env, v.least)
		}
		*v.dst = d
	}
	return r, nil
}

// jobBatch returns the most rows a background job's transaction touches.
func (c *Config) jobBatch() (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(c.JobBatch))
	if err != nil || n < 50 || n > 20000 {
		return 0, errors.New("CHIBO_JOB_BATCH must be a number from 50 to 20000")
	}
	return n, nil
}

// loginBurst returns the sign-ins one client address may make at once.
func (c *Config) loginBurst() (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(c.LoginBurst))
	if err != nil || n < 5 || n > 10000 {
		return 0, errors.New("CHIBO_LOGIN_BURST must be a number from 5 to 10000")
	}
	return n, nil
}

func isTrue(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func (c *Config) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range strings.Split(c.TrustedProxies, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("CHIBO_TRUSTED_PROXIES: %q is not a CIDR", s)
		}
		out = append(out, p)
	}
	return out, nil
}

func (c *Config) logLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return l, fmt.Errorf("CHIBO_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

func (c *Config) logger(w io.Writer) *slog.Logger {
	level, _ := c.logLevel()
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// redactedDB names the database for logs without its password.
func (c *Config) redactedDB() string {
	if c.DatabaseURL == "" {
		return "sqlite:" + c.DataDir + "/chibo.db"
	}
	if i := strings.Index(c.DatabaseURL, "@"); i >= 0 {
		if j := strings.Index(c.DatabaseURL, "://"); j >= 0 && j < i {
			return c.DatabaseURL[:j+3] + "***" + c.DatabaseURL[i:]
		}
	}
	return c.DatabaseURL
}
