package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The reference deployment (deploy/province) names a private network: db1 10.20.0.11, db2 10.20.0.12 and the app
// host 10.20.0.21. The drill runs the same files on loopback: every address below is replaced by its port in the
// drill's range, every path under /etc, /var by one in the drill's directory, every CHANGE_ME by a fresh secret.

// Drill ports (all on 127.0.0.1, in 20000-20999).
const (
	portCaddyHTTPS = 20443
	portCaddyHTTP  = 20180
	portCaddyAdmin = 20019
	portHAProxy    = 20080
	portPGPrimary  = 20500
	portStats      = 20404
	portRestore    = 20434 // the point-in-time restore's cluster
	portRestored   = 20083 // chibo on the restored cluster
	portRestoredM  = 20183
	portSQLite     = 20084 // chibo on SQLite (the commune variant)
	portSQLiteM    = 20184
	portCommune    = 20444 // Caddy in front of it
)

// node is one database node of the reference deployment.
type node struct {
	name, ip         string
	pg, rest         int // drill ports
	etcdCl, etcdPeer int
}

var nodes = []node{
	{name: "db1", ip: "10.20.0.11", pg: 20432, rest: 20008, etcdCl: 20379, etcdPeer: 20380},
	{name: "db2", ip: "10.20.0.12", pg: 20433, rest: 20009, etcdCl: 20381, etcdPeer: 20382},
}

// etcdMembers are the three etcd members: both database nodes and the app host.
var etcdMembers = []node{nodes[0], nodes[1], {name: "app", ip: "10.20.0.21", etcdCl: 20383, etcdPeer: 20384}}

// addrMap maps the reference addresses to the drill's.
func addrMap() map[string]string {
	m := map[string]string{
		"127.0.0.1:5000":         fmt.Sprintf("127.0.0.1:%d", portPGPrimary),
		"127.0.0.1:8080":         fmt.Sprintf("127.0.0.1:%d", portHAProxy),
		"127.0.0.1:8081":         "127.0.0.1:20081",
		"127.0.0.1:8082":         "127.0.0.1:20082",
		"127.0.0.1:9181":         "127.0.0.1:20181",
		"127.0.0.1:9182":         "127.0.0.1:20182",
		"127.0.0.1:8404":         fmt.Sprintf("127.0.0.1:%d", portStats),
		"localhost:2019":         fmt.Sprintf("localhost:%d", portCaddyAdmin),
		"http_port 80":           fmt.Sprintf("http_port %d", portCaddyHTTP),
		"https_port 443":         fmt.Sprintf("https_port %d", portCaddyHTTPS),
		"10.20.0.0/24":           "127.0.0.1/32",
		",http://127.0.0.1:2379": "", // etcd's own loopback listener: the drill's member address is loopback already
	}
	for _, n := range etcdMembers {
		m[n.ip+":2379"] = fmt.Sprintf("127.0.0.1:%d", n.etcdCl)
		m[n.ip+":2380"] = fmt.Sprintf("127.0.0.1:%d", n.etcdPeer)
		if n.pg != 0 {
			m[n.ip+":5432"] = fmt.Sprintf("127.0.0.1:%d", n.pg)
			m[n.ip+":8008"] = fmt.Sprintf("127.0.0.1:%d", n.rest)
		}
	}
	return m
}

// replace applies the pairs (old, new, old, new…) and the address map to text.
func replace(text string, pairs ...string) string {
	if len(pairs) > 0 {
		text = strings.NewReplacer(pairs...).Replace(text)
	}
	var kv []string
	for k, v := range addrMap() {
		kv = append(kv, k, v)
	}
	return strings.NewReplacer(kv...).Replace(text)
}

// secrets are the drill's passwords, fresh each run (never written outside the drill's directory).
type secrets struct{ superuser, replication, rewind, chiboDB string }

func newSecrets() secrets {
	gen := func() string {
		var b [18]byte
		_, _ = rand.Read(b[:])
		return hex.EncodeToString(b[:])
	}
	return secrets{gen(), gen(), gen(), gen()}
}

func (s secrets) pairs() []string {
	return []string{"CHANGE_ME_SUPERUSER", s.superuser, "CHANGE_ME_REPLICATION", s.replication,
		"CHANGE_ME_REWIND", s.rewind, "CHANGE_ME_CHIBO_DB", s.chiboDB}
}

// layout is where the drill keeps everything: one directory, removed at the end unless -keep.
type layout struct {
	root, repo string // the drill's directory; the repository's root
}

func (l layout) path(parts ...string) string {
	return filepath.Join(append([]string{l.root}, parts...)...)
}
func (l layout) ref(name string) string { return filepath.Join(l.repo, "deploy", "province", name) }

func (l layout) read(name string) (string, error) {
	b, err := os.ReadFile(l.ref(name))
	if err != nil {
		return "", fmt.Errorf("reference file: %w", err)
	}
	return string(b), nil
}

// renderEtcd returns the etcd environment of member m, made from etcd.env (written for db1) as the README says:
// its own name and addresses, the same initial cluster.
func renderEtcd(ref string, l layout, m node) []string {
	var env []string
	for _, line := range strings.Split(ref, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "ETCD_INITIAL_CLUSTER=") {
			line = strings.ReplaceAll(line, "10.20.0.11", m.ip)
		}
		line = strings.Replace(line, "ETCD_NAME=db1", "ETCD_NAME="+m.name, 1)
		line = strings.Replace(line, "/var/lib/etcd/chibo", l.path("etcd-"+m.name), 1)
		env = append(env, replace(line))
	}
	return env
}

// renderPatroni returns node n's Patroni configuration, made from patroni-<name>.yml.
func renderPatroni(ref string, l layout, n node, s secrets, postBootstrap string) string {
	pairs := append(s.pairs(),
		"/var/lib/postgresql/15/main", l.path(n.name, "data"),
		"/var/lib/postgresql/.pgpass_patroni", l.path(n.name, "pgpass"),
		"/var/run/postgresql", l.path("run"),
		"/etc/patroni/post-bootstrap.sh", postBootstrap,
		// A drill's two clusters share one small machine. wal_keep_size stays the reference's 1 GB: after drill 3's
		// load, the old primary's pg_rewind needs the WAL back to its last checkpoint (300 MB of it), which 256 MB
		// had already let the new primary remove.
		"shared_buffers: 2GB", "shared_buffers: 128MB",
		"effective_cache_size: 6GB", "effective_cache_size: 512MB",
	)
	return replace(ref, pairs...)
}

// renderPgBackRest returns node n's pgbackrest.conf: the repository is one directory both nodes share.
func renderPgBackRest(ref string, l layout, n node) string {
	return replace(ref,
		"/var/lib/pgbackrest", l.path("pgbackrest-repo"),
		"/var/spool/pgbackrest", l.path(n.name, "spool"),
		"/var/log/pgbackrest", l.path(n.name, "log"),
		"/tmp/pgbackrest", l.path(n.name, "lock"),
		"/var/lib/postgresql/15/main", l.path(n.name, "data"),
		"pg1-port=5432", fmt.Sprintf("pg1-port=%d", n.pg),
		"/var/run/postgresql", l.path("run"),
		"process-max=2", "process-max=1",
	)
}

// renderHAProxy returns haproxy.cfg for loopback: logs to standard error, the admin socket in the drill's directory.
func renderHAProxy(ref string, l layout) string {
	lines := strings.Split(ref, "\n")
	for i, line := range lines {
		for _, n := range nodes {
			if strings.Contains(line, n.ip+":5432") {
				lines[i] = strings.Replace(line, "check port 8008", fmt.Sprintf("check port %d", n.rest), 1)
			}
		}
	}
	return replace(strings.Join(lines, "\n"),
		"log /dev/log local0", "log stderr format short local0 notice",
		"/run/haproxy/admin.sock", l.path("haproxy.sock"),
	)
}

// renderCaddy returns a Caddyfile for loopback: the public name becomes localhost with Caddy's internal CA, and
// Caddy does not touch the machine's trust store.
func renderCaddy(ref string, l layout, site string) string {
	return replace(ref,
		"\tadmin localhost:2019", "\tskip_install_trust\n\tadmin localhost:2019",
		site+" {", "localhost {",
		"# tls internal", "tls internal",
		"/var/log/caddy/chibo.log", l.path("caddy", "access.log"),
	)
}

// chiboEnv reads chibo@.service's Environment line for instance i and the shared chibo.env, for loopback: the
// data directory in the drill's, no S3 (the drill syncs, it uploads no photos).
func chiboEnv(unit, env string, l layout, i int, s secrets) ([]string, error) {
	var out []string
	found := false
	for _, line := range strings.Split(unit, "\n") {
		if v, ok := strings.CutPrefix(line, "Environment="); ok {
			found = true
			out = append(out, strings.Fields(strings.ReplaceAll(v, "%i", fmt.Sprint(i)))...)
		}
	}
	if !found {
		return nil, fmt.Errorf("chibo@.service has no Environment= line")
	}
	for _, line := range strings.Split(env, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "CHIBO_S3_") {
			continue
		}
		out = append(out, line)
	}
	for k := range out {
		out[k] = replace(out[k], append(s.pairs(),
			"/var/lib/chibo/", l.path("chibo")+"/",
			"https://chibo.tinh.gov.vn", fmt.Sprintf("https://localhost:%d", portCaddyHTTPS))...)
	}
	return out, nil
}
