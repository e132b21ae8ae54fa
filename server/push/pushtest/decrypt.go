package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// headerLen is the aes128gcm header before the key id: salt (16), rs (4), idlen (1).
const headerLen = 16 + 4 + 1

// tagLen is the AES-GCM tag at the end of each record.
const tagLen = 16

// Decrypt opens a Web Push message body (RFC 8291) as the browser does: it reads the aes128gcm header (RFC 8188:
// salt, record size, and the sender's ephemeral public key as key id), derives the content key and nonce from the
// ECDH secret with uaPrivate and the authSecret, decrypts every record and strips the padding.
//
// It is written with the standard library only, independently of the sender's library, so that a test that
// decrypts what the sender sent checks the sender.
func Decrypt(body []byte, uaPrivate *ecdh.PrivateKey, authSecret []byte) ([]byte, error) {
	if uaPrivate == nil {
		return nil, errors.New("pushtest: decrypt: no private key")
	}
	if len(authSecret) != 16 {
		return nil, fmt.Errorf("pushtest: decrypt: auth secret of %d bytes, want 16", len(authSecret))
	}
	if len(body) < headerLen {
		return nil, fmt.Errorf("pushtest: decrypt: body of %d bytes is shorter than the header", len(body))
	}
	salt := body[:16]
	rs := binary.BigEndian.Uint32(body[16:20])
	idlen := int(body[20])
	if rs < tagLen+2 {
		return nil, fmt.Errorf("pushtest: decrypt: record size %d, want at least %d", rs, tagLen+2)
	}
	if idlen != 65 {
		return nil, fmt.Errorf("pushtest: decrypt: key id of %d bytes, want the sender's 65-byte public key", idlen)
	}
	if len(body) < headerLen+idlen {
		return nil, errors.New("pushtest: decrypt: body ends inside the key id")
	}
	asPublic, err := ecdh.P256().NewPublicKey(body[headerLen : headerLen+idlen])
	if err != nil {
		return nil, fmt.Errorf("pushtest: decrypt: key id: %w", err)
	}
	secret, err := uaPrivate.ECDH(asPublic)
	if err != nil {
		return nil, fmt.Errorf("pushtest: decrypt: ecdh: %w", err)
	}
	k, err := deriveKeys(secret, authSecret, uaPrivate.PublicKey().Bytes(), asPublic.Bytes(), salt)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k.cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}

	content := body[headerLen+idlen:]
	if len(content) == 0 {
		return nil, errors.New("pushtest: decrypt: no records")
	}
	var out []byte
	for seq := uint64(0); len(content) > 0; seq++ {
		n := min(len(content), int(rs))
		record := content[:n]
		content = content[n:]
		last := len(content) == 0
		if len(record) < tagLen+1 {
			return nil, fmt.Errorf("pushtest: decrypt: record %d of %d bytes is too short", seq, len(record))
		}
		plain, err := gcm.Open(nil, recordNonce(k.nonce, seq), record, nil)
		if err != nil {
			return nil, fmt.Errorf("pushtest: decrypt: record %d: %w", seq, err)
		}
		data, err := unpad(plain, last)
		if err != nil {
			return nil, fmt.Errorf("pushtest: decrypt: record %d: %w", seq, err)
		}
		out = append(out, data...)
	}
	return out, nil
}

// keys are the values that RFC 8291 derives, kept apart so that a test can hold each to Appendix A.
type keys struct {
	prkKey, ikm, prk, cek, nonce []byte
}

// deriveKeys is RFC 8291 section 3.4 followed by RFC 8188 section 2.2.
func deriveKeys(ecdhSecret, authSecret, uaPublic, asPublic, salt []byte) (keys, error) {
	var k keys
	var err error
	if k.prkKey, err = hkdf.Extract(sha256.New, ecdhSecret, authSecret); err != nil {
		return k, err
	}
	keyInfo := "WebPush: info\x00" + string(uaPublic) + string(asPublic)
	if k.ikm, err = hkdf.Expand(sha256.New, k.prkKey, keyInfo, 32); err != nil {
		return k, err
	}
	if k.prk, err = hkdf.Extract(sha256.New, k.ikm, salt); err != nil {
		return k, err
	}
	if k.cek, err = hkdf.Expand(sha256.New, k.prk, "Content-Encoding: aes128gcm\x00", 16); err != nil {
		return k, err
	}
	if k.nonce, err = hkdf.Expand(sha256.New, k.prk, "Content-Encoding: nonce\x00", 12); err != nil {
		return k, err
	}
	return k, nil
}

// recordNonce is the nonce of record seq: the derived nonce XOR seq as a 96-bit big-endian number.
func recordNonce(nonce []byte, seq uint64) []byte {
	n := bytes.Clone(nonce)
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	for i := range s {
		n[4+i] ^= s[i]
	}
	return n
}

// unpad strips a record's padding (RFC 8188 section 2): the data, a delimiter (2 on the last record, 1 on the
// others) and any number of zeros.
func unpad(plain []byte, last bool) ([]byte, error) {
	i := len(bytes.TrimRight(plain, "\x00")) - 1
	if i < 0 {
		return nil, errors.New("padding without a delimiter")
	}
	switch d := plain[i]; {
	case d == 2 && last, d == 1 && !last:
		return plain[:i], nil
	case d == 2:
		return nil, errors.New("last-record delimiter on a record that is not the last (truncated or reordered)")
	case d == 1:
		return nil, errors.New("the last record has no last-record delimiter (truncated)")
	default:
		return nil, fmt.Errorf("padding delimiter 0x%02x, want 0x01 or 0x02", d)
	}
}
