package api

import (
	"encoding/json"
)

// Opt is a field of a PATCH body: absent (leave as is), null (clear) or a value (set).
type Opt[T any] struct {
	Set   bool // the field was in the body
	Null  bool // it was null
	Value T
}

// UnmarshalJSON records that the field was present.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// apply writes the field into dst when it was set; a null clears it to the zero value.
func (o Opt[T]) apply(dst *T) {
	if !o.Set {
		return
	}
	var zero T
	if o.Null {
		*dst = zero
		return
	}
	*dst = o.Value
}

// applyPtr writes the field into a nullable dst when it was set; null makes it nil.
func (o Opt[T]) applyPtr(dst **T) {
	if !o.Set {
		return
	}
	if o.Null {
		*dst = nil
		return
	}
	v := o.Value
	*dst = &v
}
