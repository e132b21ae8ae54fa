// Package wire defines the sync protocol's messages and the few computations both ends must agree on, such as
// the row hash behind bucket checksums. It is the protocol of sync/PROTOCOL.md in Go, shared by the server
// (sync/engine) and the Go client (sync/client), and has no dependencies.
package wire

import "strconv"

// RowHash is the hash of one synced row at one version: 32-bit FNV-1a over the bytes of
// table + ":" + id + ":" + decimal version. A bucket's checksum is the sum of its live rows' hashes modulo 2^32.
func RowHash(table, id string, version int64) uint32 {
	const offset, prime = 2166136261, 16777619
	h := uint32(offset)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint32(s[i])
			h *= prime
		}
	}
	add(table)
	add(":")
	add(id)
	add(":")
	add(strconv.FormatInt(version, 10))
	return h
}
