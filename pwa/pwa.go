// Package pwa is the officials' offline-first app: Preact sources in src/, the build program in build/, and the
// built files in dist/, committed and embedded here so the server needs no Node to serve them.
package pwa

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built app: index.html, sw.js, manifest.webmanifest, assets/ (hashed names) and icons/.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // the directory is embedded at build time; it cannot be missing
	}
	return sub
}
