// Package i18n is the message catalogue: every string a user can read from the server, in Vietnamese (the
// default) and English. Messages are looked up by key; "{name}" placeholders are filled from arguments.
package i18n

import (
	"strings"
)

// Lang is a supported language.
type Lang string

// The supported languages. Vietnamese is the default.
const (
	VI Lang = "vi"
	EN Lang = "en"
)

// Parse picks the language from a locale string or an Accept-Language header; anything but English is Vietnamese.
func Parse(s string) Lang {
	for _, part := range strings.Split(s, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "vi"):
			return VI
		case strings.HasPrefix(tag, "en"):
			return EN
		}
	}
	return VI
}

// T returns the message key in lang with its placeholders filled. An unknown key returns the key itself, which a
// test over the catalogue keeps from happening.
func T(lang Lang, key string, args map[string]string) string {
	m, ok := lookup(key)
	if !ok {
		return key
	}
	s := m.vi
	if lang == EN {
		s = m.en
	}
	for k, v := range args {
		if strings.HasPrefix(v, "@") { // an argument that is itself a catalogue key, e.g. "@what.member"
			v = T(lang, v[1:], nil)
		} else if k == "field" && !rawField[key] {
			v = FieldName(lang, v)
		}
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// FieldName is a field's name as people say it ("addressee_text": "Nơi nhận kiến nghị"), or the field as given when
// the catalogue has no name for it.
func FieldName(lang Lang, field string) string {
	if m, ok := fieldMessages["field."+field]; ok {
		if lang == EN {
			return m.en
		}
		return m.vi
	}
	return field
}

// Has reports whether key is in the catalogue.
func Has(key string) bool { _, ok := lookup(key); return ok }

// Keys returns every key in the catalogue.
func Keys() []string {
	var keys []string
	for _, part := range catalogue {
		for k := range part {
			keys = append(keys, k)
		}
	}
	return keys
}

// catalogue is the message catalogue, split by area into one map per file.
var catalogue = []map[string]msg{messages, rosterMessages, syncMessages, notifyMessages, coverageMessages, recsMessages, trustMessages, minutesMessages, referenceMessages, orgMessages, usersMessages, addresseesMessages, loopMessages, fieldMessages}

func lookup(key string) (msg, bool) {
	for _, part := range catalogue {
		if m, ok := part[key]; ok {
			return m, true
		}
	}
	return msg{}, false
}

type msg struct{ vi, en string }
