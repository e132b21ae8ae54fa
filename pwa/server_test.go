package pwa_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The browser tests run the server users run: the binary `make build` makes, started as a process of its own, not
// the test binary's race-instrumented copy of it. The race detector stays with the Go tests (which drive the same
// handlers concurrently); under it the server took about six times the CPU, and on two cores the browser tests
// took a fifth longer for it.
var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// chiboBinary builds the server once for the test process (go build ./server, as `make build` does) and returns
// its path.
func chiboBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "chibo-pwa-test-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "chibo")
		cmd := exec.Command("go", "build", "-o", binPath, "./server")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./server: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// startServer starts the server with the given CHIBO_* settings and arguments on a free port of 127.0.0.1, waits
// until it is ready (/readyz; with -demo, once the demo data is in) and returns its URL. It stops with the test.
func startServer(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	bin := chiboBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHIBO_") { // only the settings given here
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		if k != "CHIBO_ADDR" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, "CHIBO_ADDR="+addr)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr // warnings and errors in the test's output
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the server %s stopped before it was ready: %v\n%s", strings.Join(args, " "), err, out.String())
		default:
		}
		if r, err := http.Get(url + "/readyz"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server %s was not ready in 3 minutes\n%s", strings.Join(args, " "), out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}
