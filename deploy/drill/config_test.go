package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The drill must run the reference files with nothing of the reference network left in them: an address or a
// path not replaced would reach for a machine or a directory that is not the drill's. The test needs none of the
// Debian packages.
func TestRenderedConfigsAreLoopbackOnly(t *testing.T) {
	l := layout{root: "/tmp/drill-test", repo: filepath.Join("..", "..")}
	s := secrets{"su", "repl", "rew", "app"}
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(l.ref(name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	unit := read("systemd/chibo@.service")
	var env1 []string
	var err error
	if env1, err = chiboEnv(unit, read("chibo.env"), l, 1, s); err != nil {
		t.Fatal(err)
	}
	rendered := map[string]string{
		"patroni-db1.yml": renderPatroni(read("patroni-db1.yml"), l, nodes[0], s, "/x/post-bootstrap.sh"),
		"patroni-db2.yml": renderPatroni(read("patroni-db2.yml"), l, nodes[1], s, "/x/post-bootstrap.sh"),
		"pgbackrest db1":  renderPgBackRest(read("pgbackrest.conf"), l, nodes[0]),
		"pgbackrest db2":  renderPgBackRest(read("pgbackrest.conf"), l, nodes[1]),
		"haproxy.cfg":     renderHAProxy(read("haproxy.cfg"), l),
		"Caddyfile":       renderCaddy(read("Caddyfile"), l, "chibo.tinh.gov.vn"),
		"chibo@1 env":     strings.Join(env1, "\n"),
		"etcd app":        strings.Join(renderEtcd(read("etcd.env"), l, etcdMembers[2]), "\n"),
		"etcd db2":        strings.Join(renderEtcd(read("etcd.env"), l, etcdMembers[1]), "\n"),
		"prometheus.yml":  renderPrometheus(read("prometheus.yml")),
	}
	for name, text := range rendered {
		text = withoutComments(text)
		for _, bad := range []string{"10.20.0.", "CHANGE_ME", "/var/lib/", "/var/run/", "/var/log/", "/etc/patroni", "/run/haproxy", ":2379\n", ":5432", ":8008", "chibo.tinh.gov.vn",
			":9100", ":9181", ":9182", ":8404"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s still holds %q:\n%s", name, bad, text)
			}
		}
	}
	checks := []struct{ name, want string }{
		{"patroni-db1.yml", "listen: 127.0.0.1:20432"},
		{"patroni-db2.yml", "connect_address: 127.0.0.1:20009"},
		{"patroni-db1.yml", "hosts: 127.0.0.1:20379,127.0.0.1:20381,127.0.0.1:20383"},
		{"patroni-db1.yml", "synchronous_mode: true"},
		{"patroni-db1.yml", "archive_command: pgbackrest --stanza=chibo archive-push %p"},
		{"haproxy.cfg", "server db2 127.0.0.1:20433 maxconn 180 check port 20009"},
		{"haproxy.cfg", "http-check send meth GET uri /primary"},
		{"Caddyfile", "\ttls internal"},
		{"Caddyfile", "https_port 20443"},
		{"chibo@1 env", "CHIBO_ADDR=127.0.0.1:20081"},
		{"chibo@1 env", "CHIBO_METRICS_ADDR=127.0.0.1:20181"},
		{"chibo@1 env", "CHIBO_DATABASE_URL=postgres://chibo:app@127.0.0.1:20500/chibo"},
		{"etcd app", "ETCD_LISTEN_PEER_URLS=http://127.0.0.1:20384"},
		{"etcd app", "ETCD_NAME=app"},
		{"Caddyfile", "localhost {"},
		{"pgbackrest db2", "pg1-port=20433"},
		{"prometheus.yml", "targets: ['127.0.0.1:20181', '127.0.0.1:20182']"},
		{"prometheus.yml", "targets: ['127.0.0.1:20008', '127.0.0.1:20009']"},
		{"prometheus.yml", "targets: ['127.0.0.1:20404']"},
		{"prometheus.yml", "targets: ['127.0.0.1:20379', '127.0.0.1:20381', '127.0.0.1:20383']"},
		{"prometheus.yml", "targets: ['127.0.0.1:20911', '127.0.0.1:20912', '127.0.0.1:20921']"},
		{"prometheus.yml", "rule_files:\n  - alerts.yml"},
	}
	for _, c := range checks {
		if !strings.Contains(rendered[c.name], c.want) {
			t.Errorf("%s lacks %q:\n%s", c.name, c.want, rendered[c.name])
		}
	}
	if strings.Contains(rendered["chibo@1 env"], "CHIBO_S3_") {
		t.Errorf("the drill runs without S3, but the environment holds CHIBO_S3_*")
	}
}

// withoutComments drops the comment lines (# …): they may name the reference network.
func withoutComments(text string) string {
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
