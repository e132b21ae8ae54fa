package domain

import (
	"strings"

	"github.com/google/uuid"
)

// NewID returns a new time-ordered UUID (version 7), which keeps B-tree inserts local.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// ParseID checks that s is a UUID (any version, so clients may generate their own) and returns it in canonical
// lower-case form.
func ParseID(s string) (string, bool) {
	if canonicalID(s) {
		return s, true // as it is stored and sent: nothing to parse or allocate (a push checks hundreds)
	}
	u, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil || len(strings.TrimSpace(s)) != 36 {
		return "", false
	}
	return u.String(), true
}

// canonicalID reports whether s is a UUID in canonical form: 36 characters, lower-case hexadecimal digits in groups
// of 8, 4, 4, 4 and 12 joined by hyphens.
func canonicalID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
				return false
			}
		}
	}
	return true
}
