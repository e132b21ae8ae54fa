package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is a process the drill started; its output goes to a log file in the drill's directory.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

// procs are the drill's processes, stopped in reverse order at the end.
type procs struct {
	mu   sync.Mutex
	list []*proc
	dir  string
	// asPostgres runs PostgreSQL's tools as this user when the drill runs as root (PostgreSQL refuses root).
	asPostgres *syscall.Credential
}

func newProcs(dir string) (*procs, error) {
	p := &procs{dir: dir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, the database runs as the postgres user, which is missing: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.asPostgres = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	return p, nil
}

// chownPostgres hands a directory to the postgres user when running as root.
func (p *procs) chownPostgres(path string) error {
	if p.asPostgres == nil {
		return nil
	}
	return filepath.Walk(path, func(name string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(name, int(p.asPostgres.Uid), int(p.asPostgres.Gid))
	})
}

// start runs a long-lived process in its own process group.
func (p *procs) start(name string, env []string, postgres bool, bin string, args ...string) (*proc, error) {
	logPath := filepath.Join(p.dir, "logs", name+".log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if postgres && p.asPostgres != nil {
		cmd.SysProcAttr.Credential = p.asPostgres
		cmd.Env = append(cmd.Env, "HOME="+p.dir)
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	pr := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(pr.done)
	}()
	p.mu.Lock()
	p.list = append(p.list, pr)
	p.mu.Unlock()
	return pr, nil
}

// run runs a command to its end and returns its combined output.
func (p *procs) run(ctx context.Context, env []string, postgres bool, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	if postgres && p.asPostgres != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.asPostgres}
		cmd.Env = append(cmd.Env, "HOME="+p.dir)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", bin, strings.Join(args, " "), err, tail(string(out), 2000))
	}
	return string(out), nil
}

// kill sends SIGKILL to the process group (a crash, not a shutdown).
func (pr *proc) kill() {
	if pr.cmd.Process != nil {
		_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-pr.done
}

// stop asks the process to end (SIGTERM), then kills it after 20 s.
func (pr *proc) stop() {
	select {
	case <-pr.done:
		return
	default:
	}
	_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-pr.done:
	case <-time.After(20 * time.Second):
		pr.kill()
	}
}

func (pr *proc) alive() bool {
	select {
	case <-pr.done:
		return false
	default:
		return true
	}
}

// stopAll stops every process, the last started first.
func (p *procs) stopAll() {
	p.mu.Lock()
	list := append([]*proc(nil), p.list...)
	p.mu.Unlock()
	for i := len(list) - 1; i >= 0; i-- {
		list[i].stop()
	}
}

// waitHTTP waits until url answers 200.
func waitHTTP(ctx context.Context, hc *http.Client, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		resp, err := hc.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not answer 200 within %s: %v", url, timeout, last)
}

// waitPort waits until a TCP port accepts connections.
func waitPort(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not accept connections within %s", addr, timeout)
}

// portsFree fails when one of the drill's ports is taken (another drill still running, or a leftover).
func portsFree(ports ...int) error {
	var busy []string
	for _, p := range ports {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			busy = append(busy, strconv.Itoa(p))
			continue
		}
		l.Close()
	}
	if len(busy) > 0 {
		return errors.New("ports in use (another drill running?): " + strings.Join(busy, ", "))
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// waitReady waits until url answers 200, failing at once when the process ends.
func waitReady(ctx context.Context, hc *http.Client, pr *proc, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- waitHTTP(ctx, hc, url, timeout) }()
	select {
	case err := <-errc:
		return err
	case <-pr.done:
		b, _ := os.ReadFile(pr.log)
		return fmt.Errorf("%s ended before it was ready: %s", pr.name, tail(string(b), 1500))
	}
}
