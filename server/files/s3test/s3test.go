// Package s3test runs a real S3-compatible object store for tests: SeaweedFS's S3 gateway (`weed server -s3`),
// built from the Go module proxy at a pinned version the first time and cached under
// $HOME/.cache/chibo/seaweedfs-<version>/weed. It never skips: when the store cannot be built or started, the test
// fails with what to do.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/chibo-vn/chibo/server/files"
)

// Module and Version pin the SeaweedFS the tests run.
const (
	Module  = "github.com/seaweedfs/seaweedfs"
	Version = "v0.0.0-20261109003541-7506e5f91cd6"
)

// Config is what a server needs to use the store Start runs (files.S3Config; Env gives its CHIBO_S3_* variables).
type Config = files.S3Config

// Start runs a fresh SeaweedFS (master, volume, filer and S3 gateway in one process) on free ports of 127.0.0.1
// in a temporary directory, with one identity and one empty bucket, and stops it when the test ends. It returns
// once the S3 gateway answers and the bucket exists.
func Start(t testing.TB) Config {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	cfg := Config{Bucket: "chibo-test", AccessKey: "chibo" + randHex(4), SecretKey: randHex(20), Region: files.DefaultRegion}
	ident := map[string]any{"identities": []any{map[string]any{"name": "chibo",
		"credentials": []any{map[string]string{"accessKey": cfg.AccessKey, "secretKey": cfg.SecretKey}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"}}}}
	b, _ := json.Marshal(ident)
	s3json := filepath.Join(dir, "s3.json")
	if err := os.WriteFile(s3json, b, 0o600); err != nil {
		t.Fatalf("s3test: %v", err)
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatalf("s3test: %v", err)
	}
	ports := freePorts(t, 8)
	cfg.Endpoint = "127.0.0.1:" + strconv.Itoa(ports[6])
	args := []string{"server", "-s3", "-dir=" + data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port=" + strconv.Itoa(ports[0]), "-master.port.grpc=" + strconv.Itoa(ports[1]),
		"-volume.port=" + strconv.Itoa(ports[2]), "-volume.port.grpc=" + strconv.Itoa(ports[3]),
		"-filer.port=" + strconv.Itoa(ports[4]), "-filer.port.grpc=" + strconv.Itoa(ports[5]),
		"-s3.port=" + strconv.Itoa(ports[6]), "-s3.port.grpc=" + strconv.Itoa(ports[7]),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.config=" + s3json,
		"-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=30", "-filer.localSocket=" + filepath.Join(dir, "filer.sock"),
	}
	logPath := filepath.Join(dir, "weed.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// The store dies with the test process even if the test binary is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("s3test: start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// Its data is thrown away with the temporary directory: no need for weed's slow orderly stop.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		logf.Close()
	})
	tail := func() string {
		b, _ := os.ReadFile(logPath)
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		return string(b)
	}
	cl, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Region: cfg.Region})
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	deadline := time.Now().Add(90 * time.Second)
	var last error
	for {
		select {
		case <-exited:
			t.Fatalf("s3test: weed exited before its S3 gateway answered (%s %s)\n%s", bin, strings.Join(args, " "), tail())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		last = cl.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region})
		if last == nil {
			var ok bool
			ok, last = cl.BucketExists(ctx, cfg.Bucket)
			if last == nil && !ok {
				last = fmt.Errorf("bucket %s not listed after creation", cfg.Bucket)
			}
		}
		cancel()
		if last == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("s3test: SeaweedFS's S3 gateway on %s did not answer within 90 s: %v\n%s", cfg.Endpoint, last, tail())
		}
		time.Sleep(200 * time.Millisecond)
	}
	return cfg
}

// Binary returns the path of the weed binary, building it from the Go module proxy into the cache the first time
// (about six minutes). It fails the test with what to do when it cannot.
func Binary(t testing.TB) string {
	t.Helper()
	path, err := binary()
	if err != nil {
		t.Fatalf("s3test: SeaweedFS %s is not available: %v\n(it is built with `go build ./weed` in a copy of the module %s@%s from the Go module proxy; check the network or GOPROXY, or put a weed binary at %s)",
			Version, err, Module, Version, cachePath())
	}
	return path
}

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

func cachePath() string {
	dir := os.Getenv("CHIBO_SEAWEEDFS_CACHE")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		dir = filepath.Join(home, ".cache", "chibo")
	}
	return filepath.Join(dir, "seaweedfs-"+Version, "weed")
}

func binary() (string, error) {
	buildOnce.Do(func() { buildPath, buildErr = build(cachePath()) })
	return buildPath, buildErr
}

// build makes the weed binary at dst unless it is there. A lock file keeps parallel test binaries from building
// it twice.
func build(dst string) (string, error) {
	if isExec(dst) {
		return dst, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(dst+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if isExec(dst) { // built by another process meanwhile
		return dst, nil
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		if gobin = filepath.Join(os.Getenv("GOROOT"), "bin", "go"); !isExec(gobin) {
			return "", fmt.Errorf("the go command is needed to build SeaweedFS: %w", err)
		}
	}
	out, err := exec.Command(gobin, "mod", "download", "-json", Module+"@"+Version).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %w", Module, Version, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %s %v", Module, Version, mod.Error, err)
	}
	// `go install` refuses a module with replace directives: build in a writable copy of its source instead.
	src, err := os.MkdirTemp("", "seaweedfs-src-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(src)
	if b, err := exec.Command("cp", "-r", mod.Dir+"/.", src).CombinedOutput(); err != nil {
		return "", fmt.Errorf("copy the module source: %v %s", err, b)
	}
	_ = exec.Command("chmod", "-R", "u+w", src).Run()
	tmp := dst + ".tmp"
	cmd := exec.Command(gobin, "build", "-o", tmp, "./weed")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./weed: %v\n%s", err, b)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	return dst, nil
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// freePorts finds n distinct free TCP ports on 127.0.0.1.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("s3test: free port: %v", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
