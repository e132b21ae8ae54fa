package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/lib/pq"
)

// cluster is the running province: etcd, two Patroni nodes, HAProxy, chibo instances, Caddy.
type cluster struct {
	etcd    []*proc
	patroni map[string]*proc
	haproxy *proc
	chibo   map[int]*proc
	caddy   *proc
	// https trusts Caddy's internal CA; plain is for loopback HTTP.
	https, plain *http.Client
	url          string // https://localhost:20443
	bin          string // bin/chibo
}

func (d *drill) up(ctx context.Context) (*cluster, error) {
	if err := portsFree(portCaddyHTTPS, portCaddyHTTP, portCaddyAdmin, portHAProxy, portPGPrimary, portStats,
		20081, 20082, 20181, 20182, nodes[0].pg, nodes[1].pg, nodes[0].rest, nodes[1].rest, 20379, 20380, 20381,
		20382, 20383, 20384, portRestore, portRestored, portSQLite); err != nil {
		return nil, err
	}
	c := &cluster{patroni: map[string]*proc{}, chibo: map[int]*proc{}, plain: &http.Client{Timeout: 5 * time.Second}}
	start := time.Now()
	c.bin = filepath.Join(d.l.repo, "bin", "chibo")
	d.log.Info("step: build chibo", "out", c.bin)
	build := []string{"build", "-o", c.bin, "./server"}
	if _, err := d.p.run(ctx, []string{"CGO_ENABLED=0"}, false, "go", append([]string{"-C", d.l.repo}, build...)...); err != nil {
		return nil, err
	}
	if err := d.startEtcd(ctx, c); err != nil {
		return nil, err
	}
	if err := d.startPatroni(ctx, c); err != nil {
		return nil, err
	}
	if err := d.startHAProxy(ctx, c); err != nil {
		return nil, err
	}
	data := "demo data"
	if d.withLoad() {
		if err := d.provinceDemo(ctx, c); err != nil {
			return nil, err
		}
		data = "the load's province: 1,050 cells, 1,000 officials"
	}
	for i := 1; i <= 2; i++ {
		if err := d.startChibo(ctx, c, i, i == 1 && !d.withLoad()); err != nil {
			return nil, err
		}
	}
	if err := d.startCaddy(ctx, c); err != nil {
		return nil, err
	}
	d.figure("setup", "province up (etcd ×3, Patroni ×2, HAProxy, chibo ×2, Caddy; "+data+")", "%s", time.Since(start).Round(time.Second))
	if err := d.startPrometheus(ctx); err != nil {
		return nil, fmt.Errorf("prometheus: %w", err)
	}
	return c, nil
}

func (d *drill) startEtcd(ctx context.Context, c *cluster) error {
	ref, err := d.l.read("etcd.env")
	if err != nil {
		return err
	}
	d.log.Info("step: etcd, three members (db1, db2, app)")
	for _, m := range etcdMembers {
		env := renderEtcd(ref, d.l, m)
		if err := os.WriteFile(d.l.path("etcd-"+m.name+".env"), []byte(strings.Join(env, "\n")+"\n"), 0o600); err != nil {
			return err
		}
		p, err := d.p.start("etcd-"+m.name, env, false, "etcd")
		if err != nil {
			return err
		}
		c.etcd = append(c.etcd, p)
	}
	for _, m := range etcdMembers {
		if err := waitHTTP(ctx, c.plain, fmt.Sprintf("http://127.0.0.1:%d/health", m.etcdCl), 30*time.Second); err != nil {
			return fmt.Errorf("etcd %s: %w", m.name, err)
		}
	}
	return nil
}

func (d *drill) startPatroni(ctx context.Context, c *cluster) error {
	if err := os.MkdirAll(d.l.path("run"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(d.l.path("pgbackrest-repo"), 0o750); err != nil {
		return err
	}
	pbRef, err := d.l.read("pgbackrest.conf")
	if err != nil {
		return err
	}
	for _, n := range nodes {
		ref, err := d.l.read("patroni-" + n.name + ".yml")
		if err != nil {
			return err
		}
		for _, sub := range []string{"spool", "log", "lock"} {
			if err := os.MkdirAll(d.l.path(n.name, sub), 0o750); err != nil {
				return err
			}
		}
		cfg := renderPatroni(ref, d.l, n, d.s, d.l.ref("post-bootstrap.sh"))
		if err := os.WriteFile(d.l.path(n.name, "patroni.yml"), []byte(cfg), 0o600); err != nil {
			return err
		}
		if err := os.WriteFile(d.l.path(n.name, "pgbackrest.conf"), []byte(renderPgBackRest(pbRef, d.l, n)), 0o600); err != nil {
			return err
		}
	}
	for _, path := range []string{"run", "pgbackrest-repo", "db1", "db2"} {
		if err := d.p.chownPostgres(d.l.path(path)); err != nil {
			return err
		}
	}
	for i, n := range nodes {
		d.log.Info("step: patroni", "node", n.name)
		if err := d.startNode(n); err != nil {
			return err
		}
		c.patroni[n.name] = d.p.last()
		if i == 0 {
			if err := waitHTTP(ctx, c.plain, fmt.Sprintf("http://127.0.0.1:%d/primary", n.rest), 3*time.Minute); err != nil {
				return fmt.Errorf("patroni %s did not become primary (logs/patroni-%s.log): %w", n.name, n.name, err)
			}
			// The stanza right after the first primary, so WAL archiving works from the start.
			if err := d.stanzaCreate(ctx); err != nil {
				return err
			}
		}
	}
	d.log.Info("step: wait for the synchronous standby")
	if err := waitHTTP(ctx, c.plain, fmt.Sprintf("http://127.0.0.1:%d/sync", nodes[1].rest), 3*time.Minute); err != nil {
		return fmt.Errorf("db2 did not become the synchronous standby: %w", err)
	}
	return nil
}

// startNode starts node n's Patroni (as postgres when root), with the application's password for post-bootstrap.
func (d *drill) startNode(n node) error {
	// archive_command finds this node's pgbackrest.conf through PGBACKREST_CONFIG, inherited by PostgreSQL (on a
	// real node it is /etc/pgbackrest/pgbackrest.conf, pgBackRest's default).
	env := []string{"CHIBO_DB_PASSWORD=" + d.s.chiboDB, "PGBACKREST_CONFIG=" + d.l.path(n.name, "pgbackrest.conf"),
		"PATH=" + os.Getenv("PATH") + ":/usr/bin"}
	_, err := d.p.start("patroni-"+n.name, env, true, "patroni", d.l.path(n.name, "patroni.yml"))
	return err
}

func (p *procs) last() *proc {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.list[len(p.list)-1]
}

// pgbackrest runs pgBackRest as postgres with node n's configuration.
func (d *drill) pgbackrest(ctx context.Context, n node, args ...string) (string, error) {
	return d.p.run(ctx, nil, true, "pgbackrest", append([]string{"--config=" + d.l.path(n.name, "pgbackrest.conf"), "--stanza=chibo"}, args...)...)
}

// stanzaCreate creates the backup stanza from the primary and checks that WAL archiving works.
func (d *drill) stanzaCreate(ctx context.Context) error {
	d.log.Info("step: pgbackrest stanza-create and check")
	n, err := d.primary(ctx)
	if err != nil {
		return err
	}
	if _, err := d.pgbackrest(ctx, n, "stanza-create"); err != nil {
		return err
	}
	_, err = d.pgbackrest(ctx, n, "check")
	return err
}

// primary returns the node whose Patroni answers GET /primary with 200.
func (d *drill) primary(ctx context.Context) (node, error) {
	hc := &http.Client{Timeout: 2 * time.Second}
	for _, n := range nodes {
		resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/primary", n.rest))
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return n, nil
		}
	}
	return node{}, fmt.Errorf("no node answers /primary")
}

func (d *drill) startHAProxy(ctx context.Context, c *cluster) error {
	ref, err := d.l.read("haproxy.cfg")
	if err != nil {
		return err
	}
	path := d.l.path("haproxy.cfg")
	if err := os.WriteFile(path, []byte(renderHAProxy(ref, d.l)), 0o644); err != nil {
		return err
	}
	if _, err := d.p.run(ctx, nil, false, "haproxy", "-c", "-f", path); err != nil {
		return err
	}
	d.log.Info("step: haproxy")
	if c.haproxy, err = d.p.start("haproxy", nil, false, "haproxy", "-db", "-f", path); err != nil {
		return err
	}
	if err := waitPort(ctx, fmt.Sprintf("127.0.0.1:%d", portPGPrimary), 20*time.Second); err != nil {
		return err
	}
	// HAProxy starts with every server up: wait until its checks marked the standby down.
	p, err := d.primary(ctx)
	if err != nil {
		return err
	}
	return waitFor(ctx, 30*time.Second, "HAProxy routes PostgreSQL to "+p.name+" only", func() bool {
		st, err := haproxyStatus(c.plain)
		if err != nil {
			return false
		}
		for _, n := range nodes {
			want := "DOWN"
			if n.name == p.name {
				want = "UP"
			}
			if st["postgres_primary/"+n.name] != want {
				return false
			}
		}
		return true
	})
}

// haproxyStatus reads HAProxy's stats (CSV): "proxy/server" → status (UP, DOWN…).
func haproxyStatus(hc *http.Client) (map[string]string, error) {
	resp, err := hc.Get(fmt.Sprintf("http://127.0.0.1:%d/stats;csv", portStats))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range rows {
		if len(r) > 17 {
			out[r[0]+"/"+r[1]] = r[17]
		}
	}
	return out, nil
}

// waitFor polls cond every 100 ms until it holds.
func waitFor(ctx context.Context, timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting until %s", timeout, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// startChibo starts instance i as chibo@i.service would; the first also seeds the demo data.
func (d *drill) startChibo(ctx context.Context, c *cluster, i int, demo bool) error {
	env, err := d.unitEnv(i)
	if err != nil {
		return err
	}
	env = append(env, "CHIBO_LOG_FORMAT=text", "CHIBO_LOG_LEVEL=info")
	if d.withLoad() {
		env = append(env, loadEnv...)
	}
	if demo {
		env = append(env, "CHIBO_DEMO=1")
	}
	if err := os.MkdirAll(d.l.path("chibo", strconv.Itoa(i)), 0o755); err != nil {
		return err
	}
	d.log.Info("step: chibo", "instance", i, "demo", demo)
	if c.chibo[i], err = d.p.start(fmt.Sprintf("chibo-%d", i), env, false, c.bin, "serve"); err != nil {
		return err
	}
	return waitReady(ctx, c.plain, c.chibo[i], fmt.Sprintf("http://127.0.0.1:%d/readyz", 20080+i), 5*time.Minute)
}

// unitEnv is the environment chibo@i.service gives its process: the reference unit and chibo.env, rendered.
func (d *drill) unitEnv(i int) ([]string, error) {
	unit, err := os.ReadFile(d.l.ref("systemd/chibo@.service"))
	if err != nil {
		return nil, err
	}
	envRef, err := d.l.read("chibo.env")
	if err != nil {
		return nil, err
	}
	return chiboEnv(string(unit), envRef, d.l, i, d.s)
}

// withLoad says whether this run includes drill 3, which needs the load's province and settings.
func (d *drill) withLoad() bool { return d.o.only == "all" || d.o.only == "load" }

// loadEnv is what the instances need for drill 3 beyond the reference chibo.env: the 1,000 simulated phones all
// log in from 127.0.0.1 (a province's phones come from many addresses), and short access tokens make them
// refresh during the run, and the generator's phones subscribe to web push at its own receiver,
// http://localhost:PORT. None of it belongs in a real installation.
var loadEnv = []string{"CHIBO_LOGIN_BURST=10000", "CHIBO_ACCESS_TTL=3m", "CHIBO_PUSH_ALLOW_HTTP=true"}

// provinceDemo fills the database with the load's province (deploy/SCALE.md: 30 communes of 35 cells, 25,000
// members, 1,000 officials, 31 supervisors, 12 months of meetings) through HAProxy, with the unit's environment,
// before chibo@1 starts; the drills run on it instead of the small demo of `make run`.
func (d *drill) provinceDemo(ctx context.Context, c *cluster) error {
	env, err := d.unitEnv(1)
	if err != nil {
		return err
	}
	d.log.Info("step: the load's province (chibo demo -communes 30 -cells 35 -officials 1000 -supervisors 31)")
	start := time.Now()
	out, err := d.p.run(ctx, env, false, c.bin, "demo", "-communes", "30", "-cells", "35", "-officials", "1000", "-supervisors", "31")
	if err != nil {
		return fmt.Errorf("chibo demo: %w: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n") // the migrations' log lines, then "generated in …"
	d.figure("setup", "the load's province generated (chibo demo)", "%s: %s", time.Since(start).Round(time.Second), lines[len(lines)-1])
	return nil
}

func (d *drill) startCaddy(ctx context.Context, c *cluster) error {
	ref, err := d.l.read("Caddyfile")
	if err != nil {
		return err
	}
	home := d.l.path("caddy")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	path := d.l.path("Caddyfile")
	if err := os.WriteFile(path, []byte(renderCaddy(ref, d.l, "chibo.tinh.gov.vn")), 0o644); err != nil {
		return err
	}
	d.log.Info("step: caddy (tls internal)")
	env := []string{"HOME=" + home, "XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_CONFIG_HOME=" + filepath.Join(home, "config")}
	if c.caddy, err = d.p.start("caddy", env, false, "caddy", "run", "--config", path, "--adapter", "caddyfile"); err != nil {
		return err
	}
	c.url = fmt.Sprintf("https://localhost:%d", portCaddyHTTPS)
	root := filepath.Join(home, "data", "caddy", "pki", "authorities", "local", "root.crt")
	if err := waitFile(ctx, root, 30*time.Second); err != nil {
		return err
	}
	if c.https, err = trusting(root); err != nil {
		return err
	}
	return waitHTTP(ctx, c.https, c.url+"/readyz", 60*time.Second)
}

// trusting returns an HTTP client that trusts only the CA in root (Caddy's internal CA).
func trusting(root string) (*http.Client, error) {
	pem, err := os.ReadFile(root)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificate", root)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	tr.MaxIdleConnsPerHost = 100
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}

func waitFile(ctx context.Context, path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not appear within %s", path, timeout)
}

// db opens the chibo database through HAProxy (the current primary) as the application's role.
func (d *drill) db(port int) (*sql.DB, error) {
	return sql.Open("postgres", fmt.Sprintf("postgres://chibo:%s@127.0.0.1:%d/chibo?sslmode=disable", d.s.chiboDB, port))
}
