package app

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/chibo-vn/chibo/server/files"
	"github.com/chibo-vn/chibo/server/files/s3test"
	"github.com/chibo-vn/chibo/server/testdb"
)

// TestREADMEListsEverySetting: the README's configuration table has a row for every CHIBO_* setting, with its flag.
func TestREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	var c Config
	for _, s := range c.settings() {
		if !strings.Contains(readme, "| `"+s.env+"` | `-"+s.flag+"` |") {
			t.Errorf("README's configuration table lacks a row for %s (-%s)", s.env, s.flag)
		}
	}
}

// TestS3Unreachable: a server configured for an object store that does not answer refuses to start, naming the
// setting to check.
func TestS3Unreachable(t *testing.T) {
	env := map[string]string{"CHIBO_DATABASE_URL": testdb.URL(t), "CHIBO_ADDR": "127.0.0.1:0", "CHIBO_DATA_DIR": t.TempDir(),
		"CHIBO_LOG_LEVEL": "error", "CHIBO_S3_ENDPOINT": "127.0.0.1:1", "CHIBO_S3_TLS": "false", "CHIBO_S3_BUCKET": "chibo",
		"CHIBO_S3_ACCESS_KEY": "a", "CHIBO_S3_SECRET_KEY": "b"}
	m := &Main{Stdout: io.Discard, Stderr: io.Discard}
	if err := m.ParseFlags(nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	err := m.Run(context.Background())
	if err == nil {
		m.Close()
		t.Fatal("started with an object store that does not answer")
	}
	if !strings.Contains(err.Error(), "CHIBO_S3_ENDPOINT") {
		t.Fatalf("error %q does not name CHIBO_S3_ENDPOINT", err)
	}
}

// TestServeOnS3 starts the real program on an S3 store (as the browser tests do with s3test.Start(t).Env()): it
// creates the bucket and mounts the upload endpoint behind authentication.
func TestServeOnS3(t *testing.T) {
	s3 := s3test.Start(t)
	s3.Bucket = "chibo-app"
	env := s3.Env()
	for k, v := range map[string]string{"CHIBO_DATABASE_URL": testdb.URL(t), "CHIBO_ADDR": "127.0.0.1:0",
		"CHIBO_DATA_DIR": t.TempDir(), "CHIBO_LOG_LEVEL": "error"} {
		env[k] = v
	}
	m := &Main{Stdout: io.Discard, Stderr: io.Discard}
	if err := m.ParseFlags(nil, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/api/v1/uploads/", nil)
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Upload-Length", "10")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous POST /api/v1/uploads/: %d, want 401", resp.StatusCode)
	}
	cl, _ := filesClient(s3)
	if ok, err := cl.BucketExists(context.Background(), "chibo-app"); err != nil || !ok {
		t.Fatalf("bucket not created at start-up: %v", err)
	}
}

func filesClient(c s3test.Config) (*minio.Client, error) { return files.NewS3Client(c) }
