package app

import (
	"fmt"
	"os"
	"strings"
)

// readEnvFile reads a file in the format of systemd's EnvironmentFile= (systemd.exec(5)): KEY=VALUE assignments,
// one a line; empty lines and lines starting with # or ; are comments; whitespace around the key and the value is
// dropped; a value may be 'single-quoted' (verbatim) or "double-quoted" (\" \\ \` \$ escaped, a backslash before a
// newline continues the line), and an unquoted value continues on the next line after a trailing backslash.
func readEnvFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("env file: %w", err)
	}
	env, err := parseEnvFile(string(b))
	if err != nil {
		return nil, fmt.Errorf("env file %s: %w", path, err)
	}
	return env, nil
}

// parseEnvFile parses the text of an environment file (readEnvFile).
func parseEnvFile(s string) (map[string]string, error) {
	s = strings.TrimPrefix(strings.ReplaceAll(s, "\r\n", "\n"), "\ufeff")
	env := map[string]string{}
	p := envParser{s: s, line: 1}
	for !p.eof() {
		p.skip(" \t\n")
		if p.eof() {
			break
		}
		if c := p.peek(); c == '#' || c == ';' {
			p.toEOL()
			continue
		}
		start := p.line
		key, ok := p.key()
		if !ok { // no "=" on the line: ignored, as systemd does
			continue
		}
		if !validEnvName(key) {
			return nil, fmt.Errorf("line %d: %q is not a variable name", start, key)
		}
		val, err := p.value()
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", start, err)
		}
		env[key] = val
	}
	return env, nil
}

type envParser struct {
	s    string
	i    int
	line int
}

func (p *envParser) eof() bool  { return p.i >= len(p.s) }
func (p *envParser) peek() byte { return p.s[p.i] }

func (p *envParser) next() byte {
	c := p.s[p.i]
	p.i++
	if c == '\n' {
		p.line++
	}
	return c
}

func (p *envParser) skip(set string) {
	for !p.eof() && strings.IndexByte(set, p.peek()) >= 0 {
		p.next()
	}
}

func (p *envParser) toEOL() {
	for !p.eof() && p.next() != '\n' {
	}
}

// key reads up to the "=" of the line; false when the line ends first.
func (p *envParser) key() (string, bool) {
	start := p.i
	for !p.eof() {
		switch p.peek() {
		case '=':
			k := strings.TrimSpace(p.s[start:p.i])
			p.next()
			return k, true
		case '\n':
			p.next()
			return "", false
		}
		p.next()
	}
	return "", false
}

func (p *envParser) value() (string, error) {
	p.skip(" \t")
	var b strings.Builder
	if p.eof() {
		return "", nil
	}
	switch p.peek() {
	case '\'':
		p.next()
		for {
			if p.eof() {
				return "", fmt.Errorf("unterminated single quote")
			}
			c := p.next()
			if c == '\'' {
				break
			}
			b.WriteByte(c)
		}
		return b.String(), p.rest()
	case '"':
		p.next()
		for {
			if p.eof() {
				return "", fmt.Errorf("unterminated double quote")
			}
			c := p.next()
			if c == '"' {
				break
			}
			if c == '\\' && !p.eof() {
				switch n := p.next(); n {
				case '"', '\\', '`', '$':
					b.WriteByte(n)
				case '\n':
				default:
					b.WriteByte(c)
					b.WriteByte(n)
				}
				continue
			}
			b.WriteByte(c)
		}
		return b.String(), p.rest()
	}
	for !p.eof() {
		c := p.next()
		if c == '\n' {
			break
		}
		if c == '\\' && !p.eof() {
			if n := p.next(); n != '\n' {
				b.WriteByte(n)
			}
			continue
		}
		b.WriteByte(c)
	}
	return strings.TrimRight(b.String(), " \t\r"), nil
}

// rest checks that only whitespace follows a quoted value on its line.
func (p *envParser) rest() error {
	for !p.eof() {
		c := p.next()
		switch c {
		case '\n':
			return nil
		case ' ', '\t', '\r':
		default:
			return fmt.Errorf("text after the closing quote")
		}
	}
	return nil
}

func validEnvName(k string) bool {
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for _, c := range k {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
