package wire

import (
	"encoding/json"
	"slices"
)

// Object writes fields as one JSON object, its keys sorted and each value as it is (through json.Marshal when it
// holds whitespace or HTML characters): the bytes json.Marshal gives for the map, without its reflection. A value
// must be one JSON value, as a decoder's json.RawMessage is; Object does not check it.
func Object(fields map[string]json.RawMessage) []byte {
	keys := make([]string, 0, len(fields))
	size := 2
	for k, v := range fields {
		keys = append(keys, k)
		size += len(k) + len(v) + 4
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, k)
		b = append(b, ':')
		v := fields[k]
		switch {
		case len(v) == 0:
			b = append(b, "null"...)
		case !asMarshalled(v):
			q, err := json.Marshal(v) // compacted, HTML characters escaped
			if err != nil {
				q = v
			}
			b = append(b, q...)
		default:
			b = append(b, v...)
		}
	}
	return append(b, '}')
}

// asMarshalled reports whether json.Marshal would write the JSON value v as it is: no whitespace outside its
// strings, no HTML character (<, >, &) and no U+2028 or U+2029 anywhere. A space inside a string (a topic, a
// reason) is kept: bytes.ContainsAny sent every such value through json.Marshal, and, with its two non-ASCII
// characters, looked at each rune — a tenth of a device's CPU on a push's answer.
func asMarshalled(v []byte) bool {
	in := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case in && c == '\\':
			i++ // the escaped byte: an escaped quote does not end the string
		case c == '"':
			in = !in
		case !in && (c == ' ' || c == '\t' || c == '\r' || c == '\n'), c == '<', c == '>', c == '&':
			return false
		case c == 0xE2 && i+2 < len(v) && v[i+1] == 0x80 && (v[i+2] == 0xA8 || v[i+2] == 0xA9):
			return false
		}
	}
	return true
}
