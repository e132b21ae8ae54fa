package pushtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// jwtSpec describes a VAPID header to build; the zero value of a field means the valid default.
type jwtSpec struct {
	head   map[string]any
	claims map[string]any
	signer *ecdsa.PrivateKey // signs the JWT
	k      *ecdsa.PrivateKey // whose public key goes in k=
	der    bool              // ASN.1 signature instead of r || s
	format string            // the header around t and k, with %s for each
}

func (j jwtSpec) header(t *testing.T) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(j.head) + "." + enc(j.claims)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	if j.der {
		var err error
		if sig, err = ecdsa.SignASN1(rand.Reader, j.signer, digest[:]); err != nil {
			t.Fatal(err)
		}
	} else {
		r, s, err := ecdsa.Sign(rand.Reader, j.signer, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	}
	k, err := j.k.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	format := j.format
	if format == "" {
		format = "vapid t=%s, k=%s"
	}
	return strings.Replace(strings.Replace(format, "%s", input+"."+base64.RawURLEncoding.EncodeToString(sig), 1),
		"%s", base64.RawURLEncoding.EncodeToString(k), 1)
}

func TestVerifyVAPID(t *testing.T) {
	const aud = "https://push.example.net"
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keyBytes, _ := key.PublicKey.Bytes()

	claims := func(change map[string]any) map[string]any {
		c := map[string]any{"aud": aud, "exp": now.Add(12 * time.Hour).Unix(), "sub": "mailto:ops@chibo.example"}
		for k, v := range change {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	es256 := map[string]any{"typ": "JWT", "alg": "ES256"}

	tests := []struct {
		name    string
		spec    jwtSpec
		wantKey []byte
		want    vapid
		wantErr string
	}{
		{name: "mailto subject", spec: jwtSpec{}, wantKey: keyBytes,
			want: vapid{key: keyBytes, subject: "mailto:ops@chibo.example", audience: aud, expiry: now.Add(12 * time.Hour)}},
		{name: "https subject, any key accepted", spec: jwtSpec{claims: claims(map[string]any{"sub": "https://chibo.example/contact"})},
			want: vapid{key: keyBytes, subject: "https://chibo.example/contact", audience: aud, expiry: now.Add(12 * time.Hour)}},
		{name: "exp exactly 24 h ahead", spec: jwtSpec{claims: claims(map[string]any{"exp": now.Add(24 * time.Hour).Unix()})},
			want: vapid{key: keyBytes, subject: "mailto:ops@chibo.example", audience: aud, expiry: now.Add(24 * time.Hour)}},
		{name: "no typ", spec: jwtSpec{head: map[string]any{"alg": "ES256"}},
			want: vapid{key: keyBytes, subject: "mailto:ops@chibo.example", audience: aud, expiry: now.Add(12 * time.Hour)}},

		{name: "other key than expected", spec: jwtSpec{signer: other, k: other}, wantKey: keyBytes, wantErr: "not the expected key"},
		{name: "signed with another key than k", spec: jwtSpec{signer: other}, wantErr: "does not verify"},
		{name: "ASN.1 signature", spec: jwtSpec{der: true}, wantErr: "64 bytes"},
		{name: "alg none", spec: jwtSpec{head: map[string]any{"typ": "JWT", "alg": "none"}}, wantErr: `alg "none"`},
		{name: "alg HS256", spec: jwtSpec{head: map[string]any{"typ": "JWT", "alg": "HS256"}}, wantErr: `alg "HS256"`},
		{name: "typ other", spec: jwtSpec{head: map[string]any{"typ": "JWE", "alg": "ES256"}}, wantErr: "typ"},
		{name: "aud of another origin", spec: jwtSpec{claims: claims(map[string]any{"aud": "https://other.example"})}, wantErr: "aud"},
		{name: "aud with a path", spec: jwtSpec{claims: claims(map[string]any{"aud": aud + "/push/x"})}, wantErr: "aud"},
		{name: "aud as a list", spec: jwtSpec{claims: claims(map[string]any{"aud": []string{aud}})}, wantErr: "aud"},
		{name: "no aud", spec: jwtSpec{claims: claims(map[string]any{"aud": nil})}, wantErr: "aud"},
		{name: "expired", spec: jwtSpec{claims: claims(map[string]any{"exp": now.Add(-time.Minute).Unix()})}, wantErr: "not in the future"},
		{name: "exp over 24 h ahead", spec: jwtSpec{claims: claims(map[string]any{"exp": now.Add(24*time.Hour + time.Second).Unix()})}, wantErr: "24 h"},
		{name: "exp not a number", spec: jwtSpec{claims: claims(map[string]any{"exp": "tomorrow"})}, wantErr: "exp"},
		{name: "no exp", spec: jwtSpec{claims: claims(map[string]any{"exp": nil})}, wantErr: "exp"},
		{name: "no sub", spec: jwtSpec{claims: claims(map[string]any{"sub": nil})}, wantErr: "sub"},
		{name: "sub mailto twice", spec: jwtSpec{claims: claims(map[string]any{"sub": "mailto:mailto:ops@chibo.example"})}, wantErr: "sub"},
		{name: "sub bare address", spec: jwtSpec{claims: claims(map[string]any{"sub": "ops@chibo.example"})}, wantErr: "sub"},
		{name: "sub empty mailto", spec: jwtSpec{claims: claims(map[string]any{"sub": "mailto:"})}, wantErr: "sub"},
		{name: "sub with a display name", spec: jwtSpec{claims: claims(map[string]any{"sub": "mailto:Ops <ops@chibo.example>"})}, wantErr: "sub"},
		{name: "sub http", spec: jwtSpec{claims: claims(map[string]any{"sub": "http://chibo.example"})}, wantErr: "sub"},
		{name: "sub https without host", spec: jwtSpec{claims: claims(map[string]any{"sub": "https://"})}, wantErr: "sub"},
		{name: "WebPush scheme", spec: jwtSpec{format: "WebPush %s"}, wantErr: "scheme"},
		{name: "Bearer scheme", spec: jwtSpec{format: "Bearer %s"}, wantErr: "scheme"},
		{name: "no k", spec: jwtSpec{format: "vapid t=%s"}, wantErr: "without t= or k="},
		{name: "k not a point", spec: jwtSpec{format: "vapid t=%s, k=AAAA%s"}, wantErr: "vapid k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			if spec.head == nil {
				spec.head = es256
			}
			if spec.claims == nil {
				spec.claims = claims(nil)
			}
			if spec.signer == nil {
				spec.signer = key
			}
			if spec.k == nil {
				spec.k = key
			}
			got, err := verifyVAPID(spec.header(t), aud, tt.wantKey, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("verifyVAPID error = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(vapid{})); diff != "" {
				t.Errorf("verifyVAPID (-want +got):\n%s", diff)
			}
		})
	}
}
