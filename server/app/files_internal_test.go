package app

import (
	"context"
	"encoding/json"
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

// TestTwoInstancesOnS3 starts two servers on one database and one bucket, as the browser tests' two-instance run
// does: both start (the second finds the bucket made), and a session opened on one is good on the other.
func TestTwoInstancesOnS3(t *testing.T) {
	s3 := s3test.Start(t)
	dbURL := testdb.URL(t)
	getenv := func(extra map[string]string) func(string) string {
		env := s3.Env()
		for k, v := range map[string]string{"CHIBO_DATABASE_URL": dbURL, "CHIBO_ADDR": "127.0.0.1:0", "CHIBO_LOG_LEVEL": "error",
			"CHIBO_ADMIN_PASSWORD": "mat-khau-quan-tri-1"} {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		return func(k string) string { return env[k] }
	}
	ctx := context.Background()
	if err := Run(ctx, []string{"create-admin", "-username", "quantri"}, getenv(map[string]string{"CHIBO_DATA_DIR": t.TempDir()}), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var mains []*Main
	for range 2 {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard}
		if err := m.ParseFlags(nil, getenv(map[string]string{"CHIBO_DATA_DIR": t.TempDir()})); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(ctx); err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		mains = append(mains, m)
	}
	resp, err := http.Post(mains[0].URL()+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"username":"quantri","password":"mat-khau-quan-tri-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("login on the first instance: %d %v", resp.StatusCode, err)
	}
	req, _ := http.NewRequest(http.MethodGet, mains[1].URL()+"/api/v1/meeting-files/"+"00000000-0000-4000-8000-000000000000", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown file on the second instance with the first's session: %d, want 404", resp.StatusCode)
	}
}
