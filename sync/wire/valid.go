package wire

// Valid reports whether b is one valid JSON value (with white space around it allowed), exactly as json.Valid does:
// RFC 8259's grammar, no control character in a string, any bytes otherwise (invalid UTF-8 is valid to
// encoding/json, which replaces it when decoding), and no deeper than encoding/json's 10,000 levels of nesting. The
// quick decoders check a body with it first. json.Valid's scanner calls a function for every byte, and checking a
// push answer of fifty marks took it as long as decoding it (issue #15); this reads a string's plain bytes by the
// run (TestValidIsJSONValid, FuzzValid).
func Valid(b []byte) bool {
	v := validator{b: b}
	i, ok := v.value(skipSpace(b, 0), 0)
	return ok && skipSpace(b, i) == len(b)
}

// maxDepth is encoding/json's limit of nested arrays and objects.
const maxDepth = 10000

type validator struct{ b []byte }

// stringStop marks the bytes that end a string's run of plain bytes: its closing quote, an escape, a control
// character (which no string may hold).
var stringStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// value checks the value at i, at the given depth of nesting, and returns its end.
func (v *validator) value(i, depth int) (int, bool) {
	b := v.b
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		return v.str(i)
	case c == '{':
		if depth++; depth > maxDepth {
			return i, false
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			var ok bool
			if i, ok = v.str(i); !ok {
				return i, false
			}
			i = skipSpace(b, i)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			if i, ok = v.value(skipSpace(b, i+1), depth); !ok {
				return i, false
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '}':
				return i + 1, true
			case ',':
				i = skipSpace(b, i+1)
			default:
				return i, false
			}
		}
	case c == '[':
		if depth++; depth > maxDepth {
			return i, false
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = v.value(i, depth); !ok {
				return i, false
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ']':
				return i + 1, true
			case ',':
				i = skipSpace(b, i+1)
			default:
				return i, false
			}
		}
	case c == 't':
		return v.word(i, "true")
	case c == 'f':
		return v.word(i, "false")
	case c == 'n':
		return v.word(i, "null")
	case c == '-' || c >= '0' && c <= '9':
		return v.number(i)
	}
	return i, false
}

func (v *validator) word(i int, w string) (int, bool) {
	if len(v.b)-i >= len(w) && string(v.b[i:i+len(w)]) == w {
		return i + len(w), true
	}
	return i, false
}

// str checks the string whose opening quote is at i and returns its end.
func (v *validator) str(i int) (int, bool) {
	b := v.b
	i++
	for {
		for i < len(b) && !stringStop[b[i]] {
			i++
		}
		if i >= len(b) || b[i] < 0x20 {
			return i, false
		}
		if b[i] == '"' {
			return i + 1, true
		}
		// An escape.
		if i+1 >= len(b) {
			return i, false
		}
		switch b[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if i+6 > len(b) {
				return i, false
			}
			for _, h := range b[i+2 : i+6] {
				if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
					return i, false
				}
			}
			i += 6
		default:
			return i, false
		}
	}
}

// number checks the number at i: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (v *validator) number(i int) (int, bool) {
	b := v.b
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return i, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return i, false
		}
		i = j
	}
	return i, true
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
