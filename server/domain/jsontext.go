package domain

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// JSONText is a JSON document kept in a text column (both engines store it alike) and sent as JSON, not as a
// string holding JSON: minutes by agenda item, rubric scores, notification data. Empty means none (null).
type JSONText string

// MarshalJSON writes the document itself, null when empty, or the text as a JSON string if it is not JSON.
func (j JSONText) MarshalJSON() ([]byte, error) {
	switch {
	case j == "":
		return []byte("null"), nil
	case json.Valid([]byte(j)):
		return []byte(j), nil
	}
	return json.Marshal(string(j))
}

// UnmarshalJSON keeps the document in compact form; null makes it empty.
func (j *JSONText) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*j = ""
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return err
	}
	*j = JSONText(buf.String())
	return nil
}

// Value stores the text ("" when empty: the columns are NOT NULL).
func (j JSONText) Value() (driver.Value, error) { return string(j), nil }

// Scan reads the text.
func (j *JSONText) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = ""
	case string:
		*j = JSONText(v)
	case []byte:
		*j = JSONText(v)
	default:
		return fmt.Errorf("cannot scan %T into JSONText", src)
	}
	return nil
}

// IsObject reports whether the document is a JSON object, or empty (none): minutes and scores are objects keyed
// by agenda item or criterion, never a bare string or a list.
func (j JSONText) IsObject() bool {
	if j == "" {
		return true
	}
	var obj map[string]json.RawMessage
	return json.Unmarshal([]byte(j), &obj) == nil && obj != nil
}
