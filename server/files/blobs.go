package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/chibo-vn/chibo/server/domain"
	"github.com/chibo-vn/chibo/server/store"
)

// Blobs is the content-addressed blob store: each content is kept once, under its SHA-256 in lower-case hex.
// Writing a content that is there already is harmless; contents are never changed.
type Blobs interface {
	// Put stores the size bytes of r under sha256 (which the caller has checked). mime is recorded where the
	// store keeps a type (S3).
	Put(ctx context.Context, sha256 string, size int64, mime string, r io.Reader) error
	// Open returns the content sha256 for reading and seeking; domain not_found when it is missing.
	Open(ctx context.Context, sha256 string) (Blob, error)
	// Where names the store for logs and the README (a directory or s3://bucket/files/).
	Where() string
}

// Blob is one stored content, open for reading.
type Blob interface {
	io.ReadSeekCloser
	// Size is the content's length in bytes.
	Size() int64
}

func checkSHA(sha string) error {
	if !store.ValidSHA256(sha) {
		return fmt.Errorf("files: %q is not a SHA-256 in lower-case hex", sha)
	}
	return nil
}

// diskBlobs keeps contents on the local disk: <dir>/ab/<sha256>, ab being the hash's first two digits, written
// to a temporary file in the same directory, synced and renamed into place, so a crash never leaves half a file
// under a content's name.
type diskBlobs struct{ dir string }

// NewDiskBlobs returns the blob store in dir (created if missing): <data>/files in a server.
func NewDiskBlobs(dir string) (Blobs, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &diskBlobs{dir: dir}, nil
}

func (d *diskBlobs) path(sha string) string { return filepath.Join(d.dir, sha[:2], sha) }

func (d *diskBlobs) Where() string { return d.dir }

func (d *diskBlobs) Put(_ context.Context, sha string, size int64, _ string, r io.Reader) (err error) {
	if err := checkSHA(sha); err != nil {
		return err
	}
	dst := d.path(sha)
	if fi, err := os.Stat(dst); err == nil && fi.Size() == size {
		return nil // kept already
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".tmp-"+sha[:8]+"-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := io.Copy(tmp, r)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("files: wrote %d bytes of %s, want %d", n, sha, size)
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o640); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	if dir, err := os.Open(filepath.Dir(dst)); err == nil { // make the rename durable
		_ = dir.Sync()
		dir.Close()
	}
	return nil
}

type diskBlob struct {
	*os.File
	size int64
}

func (b diskBlob) Size() int64 { return b.size }

func (d *diskBlobs) Open(_ context.Context, sha string) (Blob, error) {
	if checkSHA(sha) != nil {
		return nil, domain.NotFound("@what.meeting_file")
	}
	f, err := os.Open(d.path(sha))
	if errors.Is(err, os.ErrNotExist) {
		return nil, domain.NotFound("@what.meeting_file")
	}
	if err != nil {
		return nil, domain.Internal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, domain.Internal(err)
	}
	return diskBlob{f, fi.Size()}, nil
}

// blobPrefix is where contents live in a bucket: files/<sha256>.
const blobPrefix = "files/"

// s3Blobs keeps contents in an S3-compatible bucket under files/<sha256>. An object appears whole or not at all
// (S3's PUT), so no temporary name is needed.
type s3Blobs struct {
	cl     *minio.Client
	bucket string
}

// NewS3Client connects to the object store of c (nothing is sent yet).
func NewS3Client(c S3Config) (*minio.Client, error) {
	region := c.Region
	if region == "" {
		region = DefaultRegion
	}
	return minio.New(c.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure: c.TLS, Region: region})
}

// NewS3Blobs returns the blob store in c's bucket, creating the bucket when it is missing.
func NewS3Blobs(ctx context.Context, c S3Config) (Blobs, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	cl, err := NewS3Client(c)
	if err != nil {
		return nil, fmt.Errorf("files: S3 client for %s: %w", c.Endpoint, err)
	}
	if err := ensureBucket(ctx, cl, c); err != nil {
		return nil, err
	}
	return &s3Blobs{cl: cl, bucket: c.Bucket}, nil
}

// ensureBucket creates c's bucket unless it exists.
func ensureBucket(ctx context.Context, cl *minio.Client, c S3Config) error {
	ok, err := cl.BucketExists(ctx, c.Bucket)
	if err != nil {
		return fmt.Errorf("files: the object store at %s (CHIBO_S3_ENDPOINT, CHIBO_S3_TLS=%t) does not answer for bucket %q: %w",
			c.Endpoint, c.TLS, c.Bucket, err)
	}
	if ok {
		return nil
	}
	region := c.Region
	if region == "" {
		region = DefaultRegion
	}
	if err := cl.MakeBucket(ctx, c.Bucket, minio.MakeBucketOptions{Region: region}); err != nil {
		if ok, err2 := cl.BucketExists(ctx, c.Bucket); err2 == nil && ok {
			return nil // made by another instance meanwhile
		}
		return fmt.Errorf("files: cannot create bucket %q at %s: %w", c.Bucket, c.Endpoint, err)
	}
	return nil
}

func (s *s3Blobs) Where() string { return "s3://" + s.bucket + "/" + blobPrefix }

func (s *s3Blobs) Put(ctx context.Context, sha string, size int64, mime string, r io.Reader) error {
	if err := checkSHA(sha); err != nil {
		return err
	}
	if st, err := s.cl.StatObject(ctx, s.bucket, blobPrefix+sha, minio.StatObjectOptions{}); err == nil && st.Size == size {
		return nil // kept already
	}
	_, err := s.cl.PutObject(ctx, s.bucket, blobPrefix+sha, r, size, minio.PutObjectOptions{ContentType: mime})
	return err
}

type s3Blob struct {
	*minio.Object
	size int64
}

func (b s3Blob) Size() int64 { return b.size }

func (s *s3Blobs) Open(ctx context.Context, sha string) (Blob, error) {
	if checkSHA(sha) != nil {
		return nil, domain.NotFound("@what.meeting_file")
	}
	o, err := s.cl.GetObject(ctx, s.bucket, blobPrefix+sha, minio.GetObjectOptions{})
	if err != nil {
		return nil, domain.Internal(err)
	}
	st, err := o.Stat()
	if err != nil {
		o.Close()
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, domain.NotFound("@what.meeting_file")
		}
		return nil, domain.Internal(err)
	}
	return s3Blob{o, st.Size}, nil
}
