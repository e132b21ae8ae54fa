package pwa_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chibo-vn/chibo/pwa"
	"github.com/chibo-vn/chibo/server/app"
	"github.com/chibo-vn/chibo/server/files/s3test"
	"github.com/chibo-vn/chibo/server/testdb"
)

// needNodeModules fails (never skips) with what to do when the npm packages are missing.
func needNodeModules(t *testing.T, pkgs ...string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatal("node is not installed: install Node.js 20 (Debian: apt-get install nodejs npm)")
	}
	for _, p := range pkgs {
		if _, err := os.Stat(filepath.Join("node_modules", p)); err != nil {
			t.Fatalf("pwa/node_modules/%s is missing: run `make pwa-deps` (npm ci --prefix pwa)", p)
		}
	}
}

// TestDistIsCurrent rebuilds the app from its sources and checks the committed pwa/dist is exactly that build.
func TestDistIsCurrent(t *testing.T) {
	needNodeModules(t, "preact", "@preact/signals", "idb")
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./pwa/build", "-out", out, "-src", "pwa")
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	built := files(t, os.DirFS(out))
	committed := files(t, pwa.FS())
	for name, b := range built {
		if c, ok := committed[name]; !ok {
			t.Errorf("pwa/dist lacks %s: run `make pwa` and commit pwa/dist", name)
		} else if !bytes.Equal(b, c) {
			t.Errorf("pwa/dist/%s is not what the sources build: run `make pwa` and commit pwa/dist", name)
		}
	}
	for name := range committed {
		if _, ok := built[name]; !ok {
			t.Errorf("pwa/dist/%s is left from an older build: run `make pwa` and commit pwa/dist", name)
		}
	}
}

func files(t *testing.T, fsys fs.FS) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		out[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBrowser runs the browser tests (pwa/tests, Node's test runner with playwright-core driving Debian's
// Chromium) against the server users run (server_test.go) on a fresh database of the selected engine, with the
// demo data and access tokens that expire after 8 seconds.
func TestBrowser(t *testing.T) {
	needNodeModules(t, "playwright-core", "axe-core")
	chromium := os.Getenv("CHIBO_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: run `make pwa-deps` (as root it installs Debian's chromium; otherwise: sudo apt-get install chromium), or set CHIBO_CHROMIUM", chromium)
	}
	// The whole suite signs in from one address, as a commune office behind one router does: it has the burst such
	// an office would be given (CHIBO_LOGIN_BURST).
	env := map[string]string{"CHIBO_DATABASE_URL": testdb.URL(t), "CHIBO_ACCESS_TTL": "8s",
		"CHIBO_DATA_DIR": t.TempDir(), "CHIBO_LOG_LEVEL": "warn", "CHIBO_LOGIN_BURST": "500"}
	url := startServer(t, env, "-demo")
	empty := emptyInstallation(t)
	artifacts, _ := filepath.Abs(filepath.Join("test-results", testdb.Dialect()))
	runNode(t, "browser tests", artifacts, []string{"CHIBO_E2E_URL=" + url, "CHIBO_E2E_ACCESS_TTL_S=8", "CHIBO_E2E_ARTIFACTS=" + artifacts,
		"CHIBO_CHROMIUM=" + chromium, "CHIBO_E2E_EMPTY_URL=" + empty, "CHIBO_E2E_EMPTY_ADMIN=quantri",
		"CHIBO_E2E_EMPTY_PASSWORD=" + emptyAdminPassword}, browserTests(t)...)
	// On PostgreSQL, the photos' upload again, as an installation of several instances runs it: two servers on one
	// database and one S3 bucket (SeaweedFS), the resumed upload on the other instance.
	if testdb.Dialect() == "pg" {
		t.Run("photos on two instances and S3", func(t *testing.T) { photosTwoInstances(t, chromium) })
	}
}

// ownServer are the browser tests that run against a server of their own, not TestBrowser's.
var ownServer = map[string]bool{"slow-network.test.mjs": true}

// browserTests lists the browser tests TestBrowser runs: tests/*.test.mjs but those of ownServer.
func browserTests(t *testing.T) []string {
	t.Helper()
	all, err := filepath.Glob("tests/*.test.mjs")
	if err != nil || len(all) == 0 {
		t.Fatalf("no browser tests in pwa/tests (%v)", err)
	}
	var out []string
	for _, f := range all {
		if !ownServer[filepath.Base(f)] {
			out = append(out, f)
		}
	}
	return out
}

// TestSlowNetwork runs the 3G test (tests/slow-network.test.mjs: an official's first sync and a visit's report
// pushed, over DevTools' emulation of 3G with the CPU throttled 4×; it fails on a missed goal) against a server of
// its own: a fresh database of the selected engine with the demo data set over 24 months (`chibo demo -months 24`,
// the months a device keeps) and the default token lifetime. The figures go to the test's output, pass or fail.
func TestSlowNetwork(t *testing.T) {
	needNodeModules(t, "playwright-core")
	chromium := os.Getenv("CHIBO_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: run `make pwa-deps` (as root it installs Debian's chromium; otherwise: sudo apt-get install chromium), or set CHIBO_CHROMIUM", chromium)
	}
	env := map[string]string{"CHIBO_DATABASE_URL": testdb.URL(t), "CHIBO_DATA_DIR": t.TempDir(), "CHIBO_LOG_LEVEL": "warn"}
	getenv := func(k string) string { return env[k] }
	if err := app.Run(context.Background(), []string{"demo", "-months", "24"}, getenv, nil, io.Discard, os.Stderr); err != nil {
		t.Fatalf("demo data over 24 months: %v", err)
	}
	url := startServer(t, env)
	artifacts, _ := filepath.Abs(filepath.Join("test-results", "slow-network-"+testdb.Dialect()))
	out := runNode(t, "3G test", artifacts, []string{"CHIBO_E2E_URL=" + url, "CHIBO_E2E_ARTIFACTS=" + artifacts,
		"CHIBO_CHROMIUM=" + chromium}, "tests/slow-network.test.mjs")
	for _, line := range out {
		if strings.HasPrefix(strings.TrimSpace(line), "3G first sync") {
			fmt.Fprintf(os.Stderr, "%s: %s\n", testdb.Dialect(), strings.TrimSpace(line))
		}
	}
}

// runNode runs node's test runner on the given tests with the environment added, logging its output, and fails
// the test with the failed lines when it fails. It returns the output's lines.
func runNode(t *testing.T, what, artifacts string, env []string, tests ...string) []string {
	t.Helper()
	cmd := exec.Command("node", append([]string{"--test", "--test-concurrency=1", "--test-reporter=spec"}, tests...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var failed, lines []string
	for sc.Scan() {
		line := sc.Text()
		t.Log(line)
		lines = append(lines, line)
		if strings.Contains(line, "✖") {
			failed = append(failed, strings.TrimSpace(line))
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s failed (%v); screenshots in %s\n%s", what, err, artifacts, strings.Join(failed, "\n"))
	}
	fmt.Fprintf(os.Stderr, "%s passed; screenshots in %s\n", what, artifacts)
	return lines
}

// photosTwoInstances runs the photos' browser test (tests/photos.test.mjs) against two server instances sharing one
// database and one S3 bucket (SeaweedFS's S3 gateway, server/files/s3test: a real one, never skipped), behind a
// round-robin reverse proxy: requests go to the instances in turn, and each PATCH of an upload to the other
// instance than its previous PATCH, so that the upload resumed after the test cuts the network lands on the
// other instance than the one that took the bytes before the cut.
func photosTwoInstances(t *testing.T, chromium string) {
	s3 := s3test.Start(t)
	db := testdb.URL(t)
	var servers []string
	for _, args := range [][]string{{"-demo"}, nil} {
		env := map[string]string{"CHIBO_DATABASE_URL": db, "CHIBO_ACCESS_TTL": "8s",
			"CHIBO_DATA_DIR": t.TempDir(), "CHIBO_LOG_LEVEL": "warn", "CHIBO_LOGIN_BURST": "500"}
		for k, v := range s3.Env() {
			env[k] = v
		}
		servers = append(servers, startServer(t, env, args...))
	}
	p := newRoundRobin(t, servers[0], servers[1])
	front := httptest.NewServer(p)
	t.Cleanup(front.Close)
	artifacts, _ := filepath.Abs(filepath.Join("test-results", "two-instances"))
	runNode(t, "photos on two instances and S3", artifacts, []string{"CHIBO_E2E_URL=" + front.URL, "CHIBO_E2E_ACCESS_TTL_S=8",
		"CHIBO_E2E_ARTIFACTS=" + artifacts, "CHIBO_CHROMIUM=" + chromium}, "tests/photos.test.mjs")
	// The proxy saw uploads go on on the other instance: some upload's PATCHes reached both.
	p.mu.Lock()
	defer p.mu.Unlock()
	both := 0
	for path, hits := range p.patches {
		t.Logf("%s: PATCHes on instance 1: %d, on instance 2: %d", path, hits[0], hits[1])
		if hits[0] > 0 && hits[1] > 0 {
			both++
		}
	}
	if both == 0 {
		t.Fatalf("no upload had its PATCHes on both instances: %v", p.patches)
	}
	if p.served[0] == 0 || p.served[1] == 0 {
		t.Fatalf("the instances served %d and %d requests", p.served[0], p.served[1])
	}
}

// roundRobin is a reverse proxy in front of two instances: requests in turn, an upload's PATCHes alternating.
type roundRobin struct {
	proxies [2]*httputil.ReverseProxy
	mu      sync.Mutex
	next    int
	served  [2]int
	last    map[string]int     // an upload's path → the instance of its last PATCH
	patches map[string]*[2]int // an upload's path → its PATCHes per instance
}

func newRoundRobin(t *testing.T, a, b string) *roundRobin {
	p := &roundRobin{last: map[string]int{}, patches: map[string]*[2]int{}}
	for i, s := range []string{a, b} {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		// The Host header stays the proxy's: the upload's Location names the proxy, not the instance.
		p.proxies[i] = httputil.NewSingleHostReverseProxy(u)
	}
	return p
}

func (p *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	i := p.next
	p.next = 1 - p.next
	if r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/api/v1/uploads/") {
		if prev, ok := p.last[r.URL.Path]; ok {
			i = 1 - prev
		}
		p.last[r.URL.Path] = i
		if p.patches[r.URL.Path] == nil {
			p.patches[r.URL.Path] = &[2]int{}
		}
		p.patches[r.URL.Path][i]++
	}
	p.served[i]++
	p.mu.Unlock()
	p.proxies[i].ServeHTTP(w, r)
}

// emptyAdminPassword is the password of the first administrator of the empty installation the browser tests set up
// a province on.
const emptyAdminPassword = "mat-khau-quan-tri-1"

// emptyInstallation starts a second server, as a province gets it: a fresh database of the selected engine with
// no data, and the first administrator made with `chibo create-admin` (username quantri); it returns its URL and
// stops with the test.
func emptyInstallation(t *testing.T) string {
	t.Helper()
	env := map[string]string{"CHIBO_DATABASE_URL": testdb.URL(t), "CHIBO_ACCESS_TTL": "8s",
		"CHIBO_DATA_DIR": t.TempDir(), "CHIBO_LOG_LEVEL": "warn", "CHIBO_ADMIN_PASSWORD": emptyAdminPassword}
	getenv := func(k string) string { return env[k] }
	if err := app.Run(context.Background(), []string{"create-admin", "-username", "quantri"}, getenv, nil, io.Discard, os.Stderr); err != nil {
		t.Fatalf("create-admin on the empty installation: %v", err)
	}
	return startServer(t, env)
}
