package s3test_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/chibo-vn/chibo/server/files/s3test"
)

// TestStart puts an object into the started store and reads it back with the returned credentials; wrong
// credentials are refused (the identity is really checked).
func TestStart(t *testing.T) {
	cfg := s3test.Start(t)
	ctx := context.Background()
	cl, err := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""), Region: cfg.Region, Secure: cfg.TLS})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("xin chào")
	if _, err := cl.PutObject(ctx, cfg.Bucket, "a/b", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	o, err := cl.GetObject(ctx, cfg.Bucket, "a/b", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(o)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read back %q, %v; want %q", got, err, body)
	}
	bad, _ := minio.New(cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKey, "wrong-secret-key-0000", ""), Region: cfg.Region})
	if _, err := bad.PutObject(ctx, cfg.Bucket, "c", bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err == nil {
		t.Fatal("a wrong secret key was accepted")
	}
	env := cfg.Env()
	if env["CHIBO_S3_ENDPOINT"] != cfg.Endpoint || env["CHIBO_S3_TLS"] != "false" || env["CHIBO_S3_BUCKET"] != cfg.Bucket {
		t.Fatalf("Env() = %v", env)
	}
}
