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
	u, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil || len(strings.TrimSpace(s)) != 36 {
		return "", false
	}
	return u.String(), true
}
