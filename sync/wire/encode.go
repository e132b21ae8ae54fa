package wire

import (
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends the response as JSON. It writes the ops by hand: their data is already JSON, and
// encoding/json would check and copy every byte of it again (on a snapshot page of thousands of rows that is
// most of the encoding time). The output is what encoding/json would write for the struct.
func (r *PullResponse) AppendJSON(b []byte) ([]byte, error) {
	return r.spliceOps(b, func(b []byte) ([]byte, error) { return r.appendOps(b), nil })
}

// spliceOps appends the response as encoding/json writes it, with what body appends in place of `"ops":null`.
func (r *PullResponse) spliceOps(b []byte, body func([]byte) ([]byte, error)) ([]byte, error) {
	head := *r
	head.Ops = nil
	hb, err := json.Marshal(head)
	if err != nil {
		return nil, err
	}
	// hb ends with `"ops":null,…}`: write everything before "ops", the body, then the rest.
	const marker = `"ops":null`
	i := indexOf(hb, marker)
	if i < 0 {
		return nil, io.ErrUnexpectedEOF
	}
	if b, err = body(append(b, hb[:i]...)); err != nil {
		return nil, err
	}
	return append(b, hb[i+len(marker):]...), nil
}

// appendOps appends "ops":[…], protocol 1's rows.
func (r *PullResponse) appendOps(b []byte) []byte {
	b = append(b, `"ops":[`...)
	for k, op := range r.Ops {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"op":`...)
		b = appendString(b, op.Op)
		b = append(b, `,"t":`...)
		b = appendString(b, op.Table)
		b = append(b, `,"id":`...)
		b = appendString(b, op.ID)
		b = append(b, `,"v":`...)
		b = strconv.AppendInt(b, op.Version, 10)
		b = appendBucket(b, &op)
		if len(op.Data) > 0 {
			b = append(b, `,"d":`...)
			b = append(b, op.Data...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendBucket appends an op's bucket: ,"c":…,"s":… and "p", "m" when set.
func appendBucket(b []byte, op *Op) []byte {
	b = append(b, `,"c":`...)
	b = appendString(b, op.Class)
	b = append(b, `,"s":`...)
	b = appendString(b, op.Scope)
	if op.Path != "" {
		b = append(b, `,"p":`...)
		b = appendString(b, op.Path)
	}
	if op.Part != "" {
		b = append(b, `,"m":`...)
		b = appendString(b, op.Part)
	}
	return b
}

func indexOf(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
