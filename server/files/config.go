// Package files keeps the bytes of meetings' photos (issue #13): a blob store addressed by SHA-256 on the local
// disk under the data directory or in an S3-compatible object store, and the resumable uploads (tus 1.0.0) that
// fill it. The rows describing the files (store.MeetingFile) are synced like every other row; this package only
// receives, checks, keeps and serves their contents.
package files

import (
	"errors"
	"strconv"
	"strings"
)

// S3Config is an S3-compatible object store (AWS S3, MinIO, SeaweedFS, Ceph…). Empty Endpoint: not used.
type S3Config struct {
	Endpoint  string // CHIBO_S3_ENDPOINT: host:port, without a scheme
	Bucket    string // CHIBO_S3_BUCKET: created at start-up when missing
	AccessKey string // CHIBO_S3_ACCESS_KEY
	SecretKey string // CHIBO_S3_SECRET_KEY
	Region    string // CHIBO_S3_REGION: default us-east-1
	TLS       bool   // CHIBO_S3_TLS: https (default true)
}

// Enabled reports whether an object store is configured.
func (c S3Config) Enabled() bool { return c.Endpoint != "" }

// Check reports what is missing or wrong in an S3 configuration that is enabled, in words an operator acts on.
func (c S3Config) Check() error {
	if !c.Enabled() {
		return nil
	}
	var missing []string
	for _, v := range []struct{ env, val string }{{"CHIBO_S3_BUCKET", c.Bucket},
		{"CHIBO_S3_ACCESS_KEY", c.AccessKey}, {"CHIBO_S3_SECRET_KEY", c.SecretKey}} {
		if strings.TrimSpace(v.val) == "" {
			missing = append(missing, v.env)
		}
	}
	if len(missing) > 0 {
		return errors.New("CHIBO_S3_ENDPOINT is set but " + strings.Join(missing, ", ") + " is not: set them all, or unset CHIBO_S3_ENDPOINT to keep files on the local disk")
	}
	if strings.Contains(c.Endpoint, "://") || strings.Contains(c.Endpoint, "/") {
		return errors.New("CHIBO_S3_ENDPOINT must be host:port without a scheme or path (use CHIBO_S3_TLS=false for http)")
	}
	return nil
}

// Env returns the CHIBO_* variables that configure a server to use this store (for tests that start servers).
func (c S3Config) Env() map[string]string {
	region := c.Region
	if region == "" {
		region = DefaultRegion
	}
	return map[string]string{"CHIBO_S3_ENDPOINT": c.Endpoint, "CHIBO_S3_BUCKET": c.Bucket,
		"CHIBO_S3_ACCESS_KEY": c.AccessKey, "CHIBO_S3_SECRET_KEY": c.SecretKey, "CHIBO_S3_REGION": region,
		"CHIBO_S3_TLS": strconv.FormatBool(c.TLS)}
}

// DefaultRegion is the region sent to an object store when none is configured.
const DefaultRegion = "us-east-1"

// Config chooses where files live: S3 when S3.Enabled(), else DataDir/files (blobs) and DataDir/uploads (uploads
// in progress).
type Config struct {
	DataDir string
	S3      S3Config
}
