package wire

import (
	"bytes"
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
		case bytes.ContainsAny(v, " \t\r\n<>&\u2028\u2029"):
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
