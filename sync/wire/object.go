package wire

import (
	"encoding/json"
	"unsafe"
)

// Object writes fields as one JSON object, its keys sorted and each value as it is (through json.Marshal when it
// holds whitespace or HTML characters): the bytes json.Marshal gives for the map, without its reflection. A value
// must be one JSON value, as a decoder's json.RawMessage is; Object does not check it.
func Object(fields map[string]json.RawMessage) []byte {
	b, _ := Merge(fields, nil) // nothing over the fields: always an object
	return b
}

// appendValue appends v as json.Marshal writes a json.RawMessage (see Object), an empty v as null.
func appendValue(b, v []byte) []byte {
	switch {
	case len(v) == 0:
		return append(b, "null"...)
	case !asMarshalled(v):
		q, err := json.Marshal(json.RawMessage(v)) // compacted, HTML characters escaped
		if err != nil {
			q = v
		}
		return append(b, q...)
	}
	return append(b, v...)
}

// Field is a member of a JSON object: its key and its value's JSON.
type Field struct {
	Key   string
	Value []byte
}

// Merge writes, as Object does, the map of fields with the members of the JSON object over set over them and then
// those of last — without building that map: a device builds each row its push created this way, from the fields
// it sent and its answer's own (with a map per row, building them was a third of the fifty benchmark devices'
// CPU). It reports false when over is not an object whose keys need no unescaping (EachField).
func Merge(fields map[string]json.RawMessage, over []byte, last ...Field) ([]byte, bool) {
	var room [40]Field
	fs := room[:0]
	for k, v := range fields {
		fs = append(fs, Field{k, v})
	}
	if len(over) > 0 {
		var mroom [32]member
		ms, ok := members(over, mroom[:0])
		if !ok {
			return nil, false
		}
		for _, m := range ms {
			// over outlives this call; the key is only compared and copied into the answer.
			fs = append(fs, Field{unsafe.String(unsafe.SliceData(m.key), len(m.key)), m.val})
		}
	}
	fs = append(fs, last...)
	// Insertion sort, stable: of equal keys the one set last stays last, and is the one written.
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].Key < fs[j-1].Key; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
	size := 2
	for _, f := range fs {
		size += len(f.Key) + len(f.Value) + 4
	}
	b := append(make([]byte, 0, size), '{')
	first := true
	for i, f := range fs {
		if i+1 < len(fs) && fs[i+1].Key == f.Key {
			continue // set again after
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendValue(append(AppendString(b, f.Key), ':'), f.Value)
	}
	return append(b, '}'), true
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
