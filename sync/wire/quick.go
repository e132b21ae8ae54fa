package wire

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Quick decoding (issue #15). A push of 500 marks is 500 small objects of the same few members; encoding/json
// decodes them by reflection, which was a tenth of the server's and the Go client's CPU in a push. The quick
// decoders below take a body that is valid JSON (checked first, with Valid: json.Valid's answer, faster) in the
// shape the protocol writes it — known member names, exactly as written, each once; plain strings, integers,
// objects — and give up on anything else (an escape in a string, a null, a number written 1e3, a name in other
// letter case, an unknown member), leaving it to encoding/json, which then decodes it or explains the error exactly
// as before. So what they accept they decode as encoding/json does (TestQuickPushIsEncodingJSON,
// TestQuickAnswerIsEncodingJSON, FuzzQuickPush, FuzzQuickAnswer). They read each array of objects in one pass
// (eachObject), and skip a string by the run (skipString): a push answer of fifty marks, read three times over
// byte by byte, had cost a device as much as checking it.

// PlainString returns the value of a JSON string written without escapes or control characters, in valid UTF-8:
// the bytes between its quotes. It reports false for any other JSON value (JSONString, by contrast, decodes any
// string, and gives "" for what is none).
func PlainString(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	in := v[1 : len(v)-1]
	for _, c := range in {
		if c == '"' || c == '\\' || c < 0x20 {
			return "", false
		}
	}
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// plainInt returns the value of a JSON integer written as digits with an optional minus sign, that fits in 64 bits.
func plainInt(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 20 {
		return 0, false
	}
	for i, c := range v {
		if !(c >= '0' && c <= '9' || c == '-' && i == 0) {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil
}

// elements splits a JSON array into its elements' raw bytes, or reports false.
func elements(arr []byte, out [][]byte) ([][]byte, bool) {
	i := skipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return out, false
	}
	i = skipSpace(arr, i+1)
	if i < len(arr) && arr[i] == ']' {
		return out, skipSpace(arr, i+1) == len(arr)
	}
	for i < len(arr) {
		j, ok := skipValue(arr, i)
		if !ok {
			return out, false
		}
		out = append(out, arr[i:j])
		i = skipSpace(arr, j)
		if i >= len(arr) {
			return out, false
		}
		if arr[i] == ']' {
			return out, skipSpace(arr, i+1) == len(arr)
		}
		if arr[i] != ',' {
			return out, false
		}
		i = skipSpace(arr, i+1)
	}
	return out, false
}

// once reports whether no two members share a name (encoding/json would keep the last; the quick path gives up).
func once(ms []member) bool {
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			if string(ms[i].key) == string(ms[j].key) {
				return false
			}
		}
	}
	return true
}

// eachObject reads a JSON array of objects in one pass: it calls fn with each one's index and members (each name
// once), and reports false as soon as an element is not such an object or fn refuses it.
func eachObject(arr []byte, fn func(k int, ms []member) bool) bool {
	i := skipSpace(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return false
	}
	i = skipSpace(arr, i+1)
	if i < len(arr) && arr[i] == ']' {
		return skipSpace(arr, i+1) == len(arr)
	}
	ms := make([]member, 0, 8)
	for k := 0; i < len(arr); k++ {
		var ok bool
		if i, ms, ok = membersAt(arr, i, ms[:0]); !ok || !once(ms) || !fn(k, ms) {
			return false
		}
		if i = skipSpace(arr, i); i >= len(arr) {
			return false
		}
		switch arr[i] {
		case ']':
			return skipSpace(arr, i+1) == len(arr)
		case ',':
			i = skipSpace(arr, i+1)
		default:
			return false
		}
	}
	return false
}

// plain is PlainString for a value of a body Valid accepted, whose strings hold no control character and no
// unescaped quote: a string with no escape, in valid UTF-8.
func plain(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' || bytes.IndexByte(v, '\\') >= 0 {
		return "", false
	}
	in := v[1 : len(v)-1]
	if !utf8.Valid(in) {
		return "", false
	}
	return string(in), true
}

// rawObject returns a JSON object's members as raw values, or false (a null, a repeated or escaped name, a name
// not in UTF-8).
func rawObject(v []byte) (map[string]json.RawMessage, bool) {
	ms, ok := members(v, make([]member, 0, 8))
	if !ok || !once(ms) {
		return nil, false
	}
	out := make(map[string]json.RawMessage, len(ms))
	for _, m := range ms {
		if !utf8.Valid(m.key) {
			return nil, false // encoding/json would replace the bad bytes
		}
		out[string(m.key)] = json.RawMessage(m.val)
	}
	return out, true
}

// quickPush decodes a push request that is valid JSON in the protocol's own shape (see above), or reports false.
func quickPush(b []byte) (*PushRequest, bool) {
	top, ok := members(b, make([]member, 0, 3))
	if !ok || !once(top) {
		return nil, false
	}
	req := &PushRequest{}
	for _, m := range top {
		switch string(m.key) {
		case "protocol":
			n, ok := plainInt(m.val)
			if !ok || int64(int(n)) != n {
				return nil, false
			}
			req.Protocol = int(n)
		case "client_id":
			if req.ClientID, ok = plain(m.val); !ok {
				return nil, false
			}
		case "mutations":
			req.Mutations = make([]Mutation, 0, bytes.Count(m.val, []byte(`"seq":`)))
			if !eachObject(m.val, func(k int, ms []member) bool {
				req.Mutations = append(req.Mutations, Mutation{})
				return quickMutation(ms, &req.Mutations[k])
			}) {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return req, true
}

// quickMutation sets mu from a mutation object's members, or reports false.
func quickMutation(ms []member, mu *Mutation) bool {
	var ok bool
	for _, f := range ms {
		switch string(f.key) {
		case "seq":
			mu.Seq, ok = plainInt(f.val)
		case "base_version":
			mu.BaseVersion, ok = plainInt(f.val)
		case "id":
			mu.ID, ok = plain(f.val)
		case "t":
			mu.Table, ok = plain(f.val)
		case "op":
			mu.Op, ok = plain(f.val)
		case "row_id":
			mu.RowID, ok = plain(f.val)
		case "fields":
			mu.Fields, ok = rawObject(f.val)
		case "base":
			mu.Base, ok = rawObject(f.val)
		default:
			return false
		}
		if !ok {
			return false
		}
	}
	return true
}

// DecodePushResponse decodes a push answer: quickly when it is in the shape the server writes, else with
// encoding/json (unknown members ignored, as a client must). An Own of op put written without its bucket (protocol
// 3) is given the bucket of the Own of op put before it.
func DecodePushResponse(b []byte) (*PushResponse, error) {
	r, ok := (*PushResponse)(nil), false
	if Valid(b) {
		r, ok = quickPushResponse(b)
	}
	if !ok {
		r = &PushResponse{}
		if err := json.Unmarshal(b, r); err != nil {
			return nil, err
		}
	}
	var last *Own
	for i := range r.Results {
		switch o := r.Results[i].Own; {
		case o == nil || o.Op != OpPut:
		case o.Class == "" && last != nil:
			o.Class, o.Scope, o.Path, o.Part = last.Class, last.Scope, last.Path, last.Part
			fallthrough
		default:
			last = o
		}
	}
	return r, nil
}

// quickPushResponse decodes a push answer that is valid JSON in the server's own shape, or reports false.
func quickPushResponse(b []byte) (*PushResponse, bool) {
	top, ok := members(b, make([]member, 0, 2))
	if !ok || !once(top) {
		return nil, false
	}
	r := &PushResponse{}
	for _, m := range top {
		switch string(m.key) {
		case "last_seq":
			if r.LastSeq, ok = plainInt(m.val); !ok {
				return nil, false
			}
		case "results":
			r.Results = make([]Result, 0, bytes.Count(m.val, []byte(`"seq":`)))
			if !eachObject(m.val, func(k int, ms []member) bool {
				r.Results = append(r.Results, Result{})
				return quickResult(ms, &r.Results[k])
			}) {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return r, true
}

// quickResult sets r from a result object's members, or reports false.
func quickResult(ms []member, r *Result) bool {
	var ok bool
	for _, f := range ms {
		switch string(f.key) {
		case "seq":
			r.Seq, ok = plainInt(f.val)
		case "version":
			r.Version, ok = plainInt(f.val)
		case "expected":
			r.Expected, ok = plainInt(f.val)
		case "id":
			r.ID, ok = plain(f.val)
		case "status":
			r.Status, ok = plain(f.val)
		case "code":
			r.Code, ok = plain(f.val)
		case "message":
			r.Message, ok = plain(f.val)
		case "field":
			r.Field, ok = plain(f.val)
		case "reason":
			r.Reason, ok = plain(f.val)
		case "want":
			r.Want, ok = plain(f.val)
		case "duplicate":
			v := string(f.val)
			r.Duplicate, ok = v == "true", v == "true" || v == "false"
		case "conflicts":
			var els [][]byte
			if els, ok = elements(f.val, nil); ok {
				r.Conflicts = make([]string, len(els))
				for i, el := range els {
					if r.Conflicts[i], ok = plain(el); !ok {
						break
					}
				}
			}
		case "own":
			r.Own, ok = quickOwn(f.val)
		default:
			return false
		}
		if !ok {
			return false
		}
	}
	return true
}

// quickOwn decodes a result's own, or reports false.
func quickOwn(v []byte) (*Own, bool) {
	ms, ok := members(v, make([]member, 0, 6))
	if !ok || !once(ms) {
		return nil, false
	}
	o := &Own{}
	for _, f := range ms {
		switch string(f.key) {
		case "op":
			o.Op, ok = plain(f.val)
		case "c":
			o.Class, ok = plain(f.val)
		case "s":
			o.Scope, ok = plain(f.val)
		case "p":
			o.Path, ok = plain(f.val)
		case "m":
			o.Part, ok = plain(f.val)
		case "d":
			o.Data, ok = json.RawMessage(f.val), len(f.val) > 0 && f.val[0] == '{'
		default:
			return nil, false
		}
		if !ok {
			return nil, false
		}
	}
	return o, true
}
