package wire

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
)

// Rows that two devices may create independently for the same thing have ids both can compute, so the server
// sees one row and not two: a member's attendance at a meeting, and an official's visit report of a meeting.
// They are UUID version 5 (RFC 9562, SHA-1) names in this namespace.
const namespace = "3a1d4e2c-7b9f-5c60-8e41-2f6a9d0b7c15"

// AttendanceID returns the id of member's attendance row at meeting: UUIDv5(namespace, "attendance:" + meeting + ":" + member).
func AttendanceID(meetingID, memberID string) string {
	return uuid5("attendance:" + strings.ToLower(meetingID) + ":" + strings.ToLower(memberID))
}

// ReportID returns the id of official's visit report of meeting: UUIDv5(namespace, "report:" + meeting + ":" + official).
func ReportID(meetingID, officialID string) string {
	return uuid5("report:" + strings.ToLower(meetingID) + ":" + strings.ToLower(officialID))
}

// ScheduledMeetingID returns the id of a cell's scheduled meeting of a month ("2026-12"):
// UUIDv5(namespace, "meeting:" + cell + ":" + month). The server plans it under this id and a device that records
// it before the plan arrives creates it under the same one, so the month never holds two.
func ScheduledMeetingID(cellID, month string) string {
	return uuid5("meeting:" + strings.ToLower(cellID) + ":" + month)
}

// namespaceBytes is namespace as bytes, parsed once: reports derive thousands of ids at a time.
var namespaceBytes = func() []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(namespace, "-", ""))
	if err != nil || len(b) != 16 {
		panic("wire: bad namespace")
	}
	return b
}()

func uuid5(name string) string {
	var out [36]byte
	uuid5Pair(&out, name, nil, nil)
	return string(out[:])
}

// uuid5Pair writes to out UUIDv5(namespace, prefix + lower(a) + ":" + lower(b)), or of prefix alone when a and b
// are nil, hashing from a buffer on the stack when the name fits in it: a page of a first sync checks an id for
// each of its thousands of attendance rows (derivable), and two allocations per id were a tenth of its encoding.
func uuid5Pair(out *[36]byte, prefix string, a, b []byte) {
	var stack [192]byte
	buf := stack[:0]
	if n := len(namespaceBytes) + len(prefix) + len(a) + 1 + len(b); n > len(stack) {
		buf = make([]byte, 0, n)
	}
	buf = append(append(buf, namespaceBytes...), prefix...)
	if a != nil || b != nil {
		buf = appendLower(append(appendLower(buf, a), ':'), b)
	}
	sum := sha1.Sum(buf)
	u := sum[:16]
	u[6] = (u[6] & 0x0f) | 0x50
	u[8] = (u[8] & 0x3f) | 0x80
	hex.Encode(out[0:8], u[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], u[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], u[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], u[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], u[10:16])
}

// appendLower appends s in lower case, as strings.ToLower writes it (s is ASCII here: anything else keeps its
// bytes only when strings.ToLower would).
func appendLower(b, s []byte) []byte {
	for i, c := range s {
		if c >= 0x80 {
			return append(b, strings.ToLower(string(s[i:]))...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// ConfirmationID returns the id of a cell secretary's confirmation that official attended meeting:
// UUIDv5(namespace, "confirmation:" + meeting + ":" + official).
func ConfirmationID(meetingID, officialID string) string {
	return uuid5("confirmation:" + strings.ToLower(meetingID) + ":" + strings.ToLower(officialID))
}

// PositionID returns the id of a cell's position row: UUIDv5(namespace, "position:" + cell).
func PositionID(cellID string) string {
	return uuid5("position:" + strings.ToLower(cellID))
}
