package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rfc8291 is the example of RFC 8291 section 5, with the intermediate values of its Appendix A.
var rfc8291 = struct {
	plaintext                                string
	asPrivate, asPublic, uaPrivate, uaPublic string
	auth, salt                               string
	ecdhSecret, prkKey, ikm, prk, cek, nonce string
	body                                     string
}{
	plaintext:  "When I grow up, I want to be a watermelon",
	asPrivate:  "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
	asPublic:   "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
	uaPrivate:  "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
	uaPublic:   "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
	auth:       "BTBZMqHH6r4Tts7J_aSIgg",
	salt:       "DGv6ra1nlYgDCS1FRnbzlw",
	ecdhSecret: "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs",
	prkKey:     "Snr3JMxaHVDXHWJn5wdC52WjpCtd2EIEGBykDcZW32k",
	ikm:        "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg",
	prk:        "09_eUZGrsvxChDCGRCdkLiDXrReGOEVeSCdCcPBSJSc",
	cek:        "oIhVW04MRdy2XN9CiKLxTg",
	nonce:      "4h_95klXJ5E_qnoN",
	body: "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml" +
		"mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT" +
		"pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
}

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return b
}

func privateKey(t testing.TB, s string) *ecdh.PrivateKey {
	t.Helper()
	k, err := ecdh.P256().NewPrivateKey(b64(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRFC8291KeysAndIntermediates(t *testing.T) {
	v := rfc8291
	ua, as := privateKey(t, v.uaPrivate), privateKey(t, v.asPrivate)
	secret, err := ua.ECDH(as.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	k, err := deriveKeys(secret, b64(t, v.auth), ua.PublicKey().Bytes(), as.PublicKey().Bytes(), b64(t, v.salt))
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	for _, c := range []struct{ name, got, want string }{
		{"ua_public", enc(ua.PublicKey().Bytes()), v.uaPublic},
		{"as_public", enc(as.PublicKey().Bytes()), v.asPublic},
		{"ecdh_secret", enc(secret), v.ecdhSecret},
		{"PRK_key", enc(k.prkKey), v.prkKey},
		{"IKM", enc(k.ikm), v.ikm},
		{"PRK", enc(k.prk), v.prk},
		{"CEK", enc(k.cek), v.cek},
		{"NONCE", enc(k.nonce), v.nonce},
	} {
		if c.got != c.want {
			t.Errorf("%s = %s, want %s (RFC 8291 Appendix A)", c.name, c.got, c.want)
		}
	}
}

func TestDecryptRFC8291Example(t *testing.T) {
	got, err := Decrypt(b64(t, rfc8291.body), privateKey(t, rfc8291.uaPrivate), b64(t, rfc8291.auth))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != rfc8291.plaintext {
		t.Errorf("Decrypt = %q, want %q", got, rfc8291.plaintext)
	}
}

// seal is a test-only encrypter (the sender side of RFC 8188/8291) for bodies the sender never makes: several
// records, bad padding. Each record is given already padded.
func seal(t testing.TB, as *ecdh.PrivateKey, ua *ecdh.PublicKey, auth, salt []byte, rs uint32, records ...[]byte) []byte {
	t.Helper()
	secret, err := as.ECDH(ua)
	if err != nil {
		t.Fatal(err)
	}
	k, err := deriveKeys(secret, auth, ua.Bytes(), as.PublicKey().Bytes(), salt)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(k.cek)
	gcm, _ := cipher.NewGCM(block)
	out := append([]byte(nil), salt...)
	out = binary.BigEndian.AppendUint32(out, rs)
	out = append(out, byte(len(as.PublicKey().Bytes())))
	out = append(out, as.PublicKey().Bytes()...)
	for i, r := range records {
		out = gcm.Seal(out, recordNonce(k.nonce, uint64(i)), r, nil)
	}
	return out
}

func TestSealReproducesRFC8291Body(t *testing.T) {
	v := rfc8291
	got := seal(t, privateKey(t, v.asPrivate), privateKey(t, v.uaPrivate).PublicKey(), b64(t, v.auth), b64(t, v.salt),
		4096, []byte(v.plaintext+"\x02"))
	if diff := cmp.Diff(v.body, base64.RawURLEncoding.EncodeToString(got)); diff != "" {
		t.Errorf("seal (-RFC +got):\n%s", diff)
	}
}

func TestDecryptPadding(t *testing.T) {
	ua, _ := ecdh.P256().GenerateKey(rand.Reader)
	as, _ := ecdh.P256().GenerateKey(rand.Reader)
	auth, salt := make([]byte, 16), make([]byte, 16)
	_, _ = rand.Read(auth)
	_, _ = rand.Read(salt)
	tests := []struct {
		name    string
		rs      uint32
		records []string
		want    string
		wantErr string
	}{
		{"no padding", 4096, []string{"hello\x02"}, "hello", ""},
		{"zeros after the delimiter", 4096, []string{"hello\x02\x00\x00\x00\x00"}, "hello", ""},
		{"zeros in the data are kept", 4096, []string{"a\x00\x00\x02\x00"}, "a\x00\x00", ""},
		{"empty message", 4096, []string{"\x02"}, "", ""},
		{"two records", 16 + 6, []string{"abc\x01\x00\x00", "def\x02"}, "abcdef", ""},
		{"three records", 16 + 4, []string{"ab\x01\x00", "cd\x01\x00", "e\x02"}, "abcde", ""},
		{"last record with the non-last delimiter", 4096, []string{"hello\x01"}, "", "truncated"},
		{"non-last record with the last delimiter", 16 + 6, []string{"abc\x02\x00\x00", "def\x02"}, "", "not the last"},
		{"only zeros", 4096, []string{"\x00\x00\x00"}, "", "without a delimiter"},
		{"unknown delimiter", 4096, []string{"hello\x03"}, "", "delimiter 0x03"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var recs [][]byte
			for _, r := range tt.records {
				recs = append(recs, []byte(r))
			}
			body := seal(t, as, ua.PublicKey(), auth, salt, tt.rs, recs...)
			got, err := Decrypt(body, ua, auth)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Decrypt error = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Decrypt = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecryptRefusesTamperedBodies(t *testing.T) {
	v := rfc8291
	other, _ := ecdh.P256().GenerateKey(rand.Reader)
	// Two records of the same message, to show that dropping the last one is noticed.
	twoRecords := seal(t, privateKey(t, v.asPrivate), privateKey(t, v.uaPrivate).PublicKey(), b64(t, v.auth),
		b64(t, v.salt), 16+6, []byte("abc\x01\x00\x00"), []byte("def\x02"))
	tests := []struct {
		name    string
		body    []byte
		ua      *ecdh.PrivateKey
		auth    []byte
		mutate  func(b []byte) []byte
		wantErr string
	}{
		{name: "ciphertext byte flipped", mutate: func(b []byte) []byte { b[90] ^= 1; return b }, wantErr: "message authentication failed"},
		{name: "tag byte flipped", mutate: func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }, wantErr: "message authentication failed"},
		{name: "salt byte flipped", mutate: func(b []byte) []byte { b[0] ^= 1; return b }, wantErr: "message authentication failed"},
		{name: "key id replaced by another key", mutate: func(b []byte) []byte {
			copy(b[21:86], other.PublicKey().Bytes())
			return b
		}, wantErr: "message authentication failed"},
		{name: "key id off the curve", mutate: func(b []byte) []byte { b[50] ^= 1; return b }, wantErr: "key id"},
		{name: "key id length wrong", mutate: func(b []byte) []byte { b[20] = 64; return b }, wantErr: "65-byte"},
		{name: "record size too small", mutate: func(b []byte) []byte { binary.BigEndian.PutUint32(b[16:20], 17); return b }, wantErr: "record size 17"},
		{name: "record size splits the record", mutate: func(b []byte) []byte { binary.BigEndian.PutUint32(b[16:20], 30); return b }, wantErr: "message authentication failed"},
		{name: "last byte cut", mutate: func(b []byte) []byte { return b[:len(b)-1] }, wantErr: "message authentication failed"},
		{name: "header only", mutate: func(b []byte) []byte { return b[:86] }, wantErr: "no records"},
		{name: "shorter than the header", mutate: func(b []byte) []byte { return b[:20] }, wantErr: "shorter than the header"},
		{name: "empty", mutate: func([]byte) []byte { return nil }, wantErr: "shorter than the header"},
		{name: "wrong auth secret", auth: bytes.Repeat([]byte{7}, 16), wantErr: "message authentication failed"},
		{name: "auth secret of 15 bytes", auth: b64(t, v.auth)[:15], wantErr: "15 bytes"},
		{name: "wrong private key", ua: other, wantErr: "message authentication failed"},
		{name: "last record dropped", body: twoRecords, mutate: func(b []byte) []byte { return b[:86+22] }, wantErr: "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := b64(t, v.body)
			if tt.body != nil {
				body = bytes.Clone(tt.body)
			}
			if tt.mutate != nil {
				body = tt.mutate(body)
			}
			ua, auth := privateKey(t, v.uaPrivate), b64(t, v.auth)
			if tt.ua != nil {
				ua = tt.ua
			}
			if tt.auth != nil {
				auth = tt.auth
			}
			got, err := Decrypt(body, ua, auth)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Decrypt = %q, %v; want an error saying %q", got, err, tt.wantErr)
			}
		})
	}
}
