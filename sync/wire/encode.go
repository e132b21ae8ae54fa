package wire

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
)

// heads are the buffers spliceOps encodes a response's head into (json.Marshal made a new one, a kilobyte or two,
// for every poll).
var heads = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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
	buf := heads.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // a supervisor's thousands of scopes are not kept
			heads.Put(buf)
		}
	}()
	buf.Reset()
	// Encode writes what Marshal returns (HTML escaped alike), and a line break.
	if err := json.NewEncoder(buf).Encode(head); err != nil {
		return nil, err
	}
	hb := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	// hb ends with `"ops":null,…}`: write everything before "ops", the body, then the rest.
	const marker = `"ops":null`
	i := indexOf(hb, marker)
	if i < 0 {
		return nil, io.ErrUnexpectedEOF
	}
	b, err := body(append(b, hb[:i]...))
	if err != nil {
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

// appendString appends s as a JSON string: valid JSON, shorter than encoding/json's (no HTML characters escaped),
// for the pages of a pull. AppendString writes encoding/json's bytes.
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

// AppendJSON appends the push answer as JSON, the bytes encoding/json writes for it (empty fields left out as its
// tags say), without its reflection: an answer holds one result per mutation, each with the row's
// data, which is already JSON. From protocol 3 (r.Protocol), an Own of op put in the bucket of the Own of op put
// before it is written without its bucket (c, s, p and m): a meeting's fifty marks are in one bucket, and its
// path alone was a third of the answer.
func (r *PushResponse) AppendJSON(b []byte) []byte {
	b = append(b, `{"results":`...)
	if r.Results == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		var last *Own // the Own of op put before, from protocol 3
		for i := range r.Results {
			if i > 0 {
				b = append(b, ',')
			}
			res := &r.Results[i]
			b = res.appendJSON(b, last)
			if o := res.Own; r.Protocol >= Protocol3 && o != nil && o.Op == OpPut && o.Class != "" {
				last = o
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"last_seq":`...)
	b = strconv.AppendInt(b, r.LastSeq, 10)
	return append(b, '}')
}

// appendJSON appends the result as JSON (see PushResponse.AppendJSON), its Own without its bucket when it is the
// bucket of last (nil: always with it).
func (r *Result) appendJSON(b []byte, last *Own) []byte {
	num := func(b []byte, key string, v int64) []byte {
		if v == 0 {
			return b
		}
		b = append(b, key...)
		return strconv.AppendInt(b, v, 10)
	}
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, r.Seq, 10)
	b = AppendMember(b, `,"id":`, r.ID)
	b = append(b, `,"status":`...)
	b = AppendString(b, r.Status)
	if r.Duplicate {
		b = append(b, `,"duplicate":true`...)
	}
	b = AppendMember(b, `,"code":`, r.Code)
	b = AppendMember(b, `,"message":`, r.Message)
	b = AppendMember(b, `,"field":`, r.Field)
	b = AppendMember(b, `,"reason":`, r.Reason)
	b = AppendMember(b, `,"want":`, r.Want)
	b = num(b, `,"version":`, r.Version)
	if len(r.Conflicts) > 0 {
		b = append(b, `,"conflicts":[`...)
		for i, f := range r.Conflicts {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, f)
		}
		b = append(b, ']')
	}
	b = num(b, `,"expected":`, r.Expected)
	if o := r.Own; o != nil {
		b = append(b, `,"own":{"op":`...)
		b = AppendString(b, o.Op)
		if last == nil || o.Op != OpPut || o.Class != last.Class || o.Scope != last.Scope || o.Path != last.Path || o.Part != last.Part {
			b = AppendMember(b, `,"c":`, o.Class)
			b = AppendMember(b, `,"s":`, o.Scope)
			b = AppendMember(b, `,"p":`, o.Path)
			b = AppendMember(b, `,"m":`, o.Part)
		}
		if len(o.Data) > 0 {
			b = append(b, `,"d":`...)
			b = append(b, o.Data...)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// AppendJSON appends the push request as JSON: the bytes encoding/json writes for it (fields and bases with their
// keys sorted), without its reflection.
func (r *PushRequest) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	if r.Protocol != 0 {
		b = append(b, `"protocol":`...)
		b = strconv.AppendInt(b, int64(r.Protocol), 10)
		b = append(b, ',')
	}
	b = append(b, `"client_id":`...)
	b = AppendString(b, r.ClientID)
	b = append(b, `,"mutations":`...)
	if r.Mutations == nil {
		return append(b, "null}"...)
	}
	b = append(b, '[')
	for i := range r.Mutations {
		m := &r.Mutations[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"seq":`...)
		b = strconv.AppendInt(b, m.Seq, 10)
		if m.ID != "" {
			b = append(b, `,"id":`...)
			b = AppendString(b, m.ID)
		}
		b = append(b, `,"t":`...)
		b = AppendString(b, m.Table)
		b = append(b, `,"op":`...)
		b = AppendString(b, m.Op)
		b = append(b, `,"row_id":`...)
		b = AppendString(b, m.RowID)
		b = append(b, `,"base_version":`...)
		b = strconv.AppendInt(b, m.BaseVersion, 10)
		if len(m.Fields) > 0 {
			b = append(b, `,"fields":`...)
			b = append(b, Object(m.Fields)...)
		}
		if len(m.Base) > 0 {
			b = append(b, `,"base":`...)
			b = append(b, Object(m.Base)...)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// AppendMember appends key (the JSON before the value: `,"name":`) and v as a JSON string, or nothing when v is
// empty (a field with omitempty).
func AppendMember(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return AppendString(append(b, key...), v)
}

// AppendString appends s as a JSON string exactly as encoding/json writes it: HTML characters (<, >, &) and
// U+2028, U+2029 escaped, invalid UTF-8 replaced by U+FFFD.
func AppendString(out []byte, s string) []byte {
	out = append(out, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			out = append(out, s[start:i]...)
			switch c {
			case '"', '\\':
				out = append(out, '\\', c)
			case '\n':
				out = append(out, '\\', 'n')
			case '\r':
				out = append(out, '\\', 'r')
			case '\t':
				out = append(out, '\\', 't')
			case '\b':
				out = append(out, '\\', 'b')
			case '\f':
				out = append(out, '\\', 'f')
			default:
				out = append(out, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, s[start:i]...)
			out = append(out, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			out = append(out, s[start:i]...)
			out = append(out, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}
