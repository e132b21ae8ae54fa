package app

import "runtime/debug"

// DefaultGCPercent is the garbage collector's target the server runs with when GOGC is not set: a collection
// starts once the heap has grown by four times what the last one kept, where Go's default (100) starts it at
// once as much. A push of fifty marks allocates about 1.1 MB; with fifty devices pushing at once on two cores the
// collector's work was about a tenth of the server's CPU, and this target raised those pushes from 44 to 49 % of
// a raw INSERT of the same rows (sync/README.md). The price is memory: the heap between collections reaches about
// five times the live data instead of twice (a server's live data is tens of megabytes). Set GOGC=100, or a soft
// limit with GOMEMLIMIT, on a server short of memory.
const DefaultGCPercent = 400

// SetGCDefault sets DefaultGCPercent unless the environment sets GOGC (which the runtime has then read).
func SetGCDefault(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
	}
}
