// Command build builds the officials' app into pwa/dist: it bundles src/ with esbuild (run as `go tool esbuild`,
// pinned in go.mod), writes index.html pointing at the hashed files, the service worker with its precache list (the
// officials' route) and its list of lazily loaded files (the supervisors' screens, cached on first use),
// the web app manifest and the icons. The output depends only on the sources, so a test can rebuild into a
// temporary folder and compare it with the committed dist/.
//
//	go run ./pwa/build            # from the repository root; needs pwa/node_modules (npm ci --prefix pwa)
//	go run ./pwa/build -out DIR   # build elsewhere
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// offlineLazy are the lazily loaded modules the service worker precaches all the same.
var offlineLazy = map[string]bool{"src/screens/conflicts.jsx": true, "src/screens/paper.jsx": true, "src/screens/addressee.jsx": true,
	"src/forums/forums.jsx": true, "src/proof/proof.jsx": true, "src/photos/tus.js": true}

func main() {
	out := flag.String("out", "pwa/dist", "output folder (replaced)")
	src := flag.String("src", "pwa", "the pwa folder")
	flag.Parse()
	if err := build(*src, *out); err != nil {
		fmt.Fprintln(os.Stderr, "pwa build:", err)
		os.Exit(1)
	}
}

func build(src, out string) error {
	if _, err := os.Stat(filepath.Join(src, "node_modules", "preact")); err != nil {
		return fmt.Errorf("%s/node_modules is missing: run `npm ci --prefix %s` (or `make pwa-deps`)", src, src)
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(abs); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(abs, "assets"), 0o755); err != nil {
		return err
	}
	meta := filepath.Join(abs, ".meta.json")
	// The app: ES modules split by route, hashed names, minified.
	if err := esbuild(src, "src/main.jsx", "--bundle", "--format=esm", "--splitting", "--minify", "--target=es2020",
		"--jsx=automatic", "--jsx-import-source=preact", "--legal-comments=none", "--charset=utf8",
		"--outdir="+filepath.Join(abs, "assets"), "--entry-names=[name]-[hash]", "--chunk-names=[name]-[hash]",
		"--asset-names=[name]-[hash]", "--metafile="+meta,
		// tus-js-client's one CommonJS dependency, replaced by the browser's URL (src/photos/url-parse.js).
		"--alias:url-parse=./src/photos/url-parse.js"); err != nil {
		return err
	}
	var m struct {
		Outputs map[string]struct {
			EntryPoint string `json:"entryPoint"`
			CSSBundle  string `json:"cssBundle"`
			Imports    []struct {
				Path string `json:"path"`
				Kind string `json:"kind"`
			} `json:"imports"`
		} `json:"outputs"`
	}
	b, err := os.ReadFile(meta)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	os.Remove(meta)
	var entryJS, entryCSS string
	static := map[string][]string{} // an output's static imports
	for path, o := range m.Outputs {
		rel := "/assets/" + filepath.Base(path)
		for _, imp := range o.Imports {
			if imp.Kind == "import-statement" {
				static[rel] = append(static[rel], "/assets/"+filepath.Base(imp.Path))
			}
		}
		if o.EntryPoint == "src/main.jsx" {
			entryJS = rel
			if o.CSSBundle != "" {
				entryCSS = "/assets/" + filepath.Base(o.CSSBundle)
			}
		}
	}
	if entryJS == "" || entryCSS == "" {
		return fmt.Errorf("esbuild produced no entry script or stylesheet")
	}
	// The shell is what the officials' route loads: the entry, what it imports statically, and the stylesheet.
	// The rest (the supervisors' screens and their charts, loaded by import()) is cached on first use instead,
	// so an official on 3G never downloads it.
	shell := map[string]bool{entryCSS: true}
	var walk func(string)
	walk = func(p string) {
		if shell[p] {
			return
		}
		shell[p] = true
		for _, q := range static[p] {
			walk(q)
		}
	}
	walk(entryJS)
	// Screens an official may open offline but rarely does (the conflicts, the printable minutes) are loaded by
	// import(), so the app starts without them, and precached with the shell, so they open with no network.
	for path, o := range m.Outputs {
		if offlineLazy[o.EntryPoint] {
			walk("/assets/" + filepath.Base(path))
		}
	}
	var assets, lazy []string
	for path := range m.Outputs {
		rel := "/assets/" + filepath.Base(path)
		if shell[rel] {
			assets = append(assets, rel)
		} else {
			lazy = append(lazy, rel)
		}
	}
	sort.Strings(assets)
	sort.Strings(lazy)
	if err := writeIcons(abs); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(abs, "manifest.webmanifest"), []byte(manifest), 0o644); err != nil {
		return err
	}
	index := strings.NewReplacer("{{JS}}", entryJS, "{{CSS}}", entryCSS).Replace(indexHTML)
	if err := os.WriteFile(filepath.Join(abs, "index.html"), []byte(index), 0o644); err != nil {
		return err
	}
	// The service worker precaches the shell; its version is a hash of everything it caches, so a new build
	// is a new service worker.
	precache := append([]string{"/", "/manifest.webmanifest", "/icons/icon-192.png", "/icons/icon-512.png", "/icons/maskable-512.png"}, assets...)
	h := sha256.New()
	for _, p := range precache {
		f := strings.TrimPrefix(p, "/")
		if p == "/" {
			f = "index.html"
		}
		data, err := os.ReadFile(filepath.Join(abs, f))
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(data)
	}
	// The lazy files count too: a new supervisors' screen is a new version.
	for _, p := range lazy {
		data, err := os.ReadFile(filepath.Join(abs, strings.TrimPrefix(p, "/")))
		if err != nil {
			return err
		}
		h.Write([]byte(p))
		h.Write(data)
	}
	version := hex.EncodeToString(h.Sum(nil))[:12]
	list, _ := json.Marshal(precache)
	lazyList, _ := json.Marshal(lazy)
	if lazy == nil {
		lazyList = []byte("[]")
	}
	return esbuild(src, "src/sw.js", "--bundle", "--format=iife", "--minify", "--target=es2020", "--legal-comments=none",
		"--charset=utf8", "--define:PRECACHE="+string(list), "--define:LAZY="+string(lazyList), "--define:VERSION=\""+version+"\"",
		"--outfile="+filepath.Join(abs, "sw.js"))
}

func esbuild(dir string, args ...string) error {
	cmd := exec.Command("go", append([]string{"tool", "esbuild", "--log-level=warning"}, args...)...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("esbuild %s: %w", args[0], err)
	}
	return nil
}

const indexHTML = `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#b71c1c">
<meta name="description" content="Chibo: ghi nhận dự sinh hoạt chi bộ, kể cả khi không có mạng.">
<title>Chibo – Dự sinh hoạt chi bộ</title>
<link rel="manifest" href="/manifest.webmanifest">
<link rel="icon" href="/icons/icon-192.png" type="image/png">
<link rel="apple-touch-icon" href="/icons/icon-192.png">
<link rel="stylesheet" href="{{CSS}}">
<script type="module" src="{{JS}}"></script>
</head>
<body>
<div id="app"><p class="boot">Chibo…</p></div>
<noscript>Chibo cần JavaScript. / Chibo needs JavaScript.</noscript>
</body>
</html>
`

const manifest = `{
  "name": "Chibo – Dự sinh hoạt chi bộ",
  "short_name": "Chibo",
  "description": "Ghi nhận dự sinh hoạt chi bộ: điểm danh, biên bản, chấm điểm, kiến nghị — kể cả khi không có mạng.",
  "lang": "vi",
  "dir": "ltr",
  "id": "/",
  "start_url": "/",
  "scope": "/",
  "display": "standalone",
  "orientation": "portrait",
  "background_color": "#ffffff",
  "theme_color": "#b71c1c",
  "categories": ["productivity", "government"],
  "icons": [
    {"src": "/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
    {"src": "/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
    {"src": "/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"}
  ]
}
`

// writeIcons draws the app icon: a white check mark on a clipboard, on red. The maskable one keeps its drawing
// inside the safe zone (the middle 80 %).
func writeIcons(dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "icons"), 0o755); err != nil {
		return err
	}
	for _, ic := range []struct {
		name  string
		size  int
		scale float64
		round bool
	}{{"icon-192.png", 192, 0.78, true}, {"icon-512.png", 512, 0.78, true}, {"maskable-512.png", 512, 0.56, false}} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, drawIcon(ic.size, ic.scale, ic.round)); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "icons", ic.name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func drawIcon(n int, scale float64, round bool) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	red := color.NRGBA{0xb7, 0x1c, 0x1c, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	gold := color.NRGBA{0xff, 0xd5, 0x4f, 0xff}
	f := float64(n)
	radius := 0.0
	if round {
		radius = f * 0.18
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			if !inRoundRect(px, py, 0, 0, f, f, radius) {
				continue
			}
			img.Set(x, y, red)
			// A board: a white rounded rectangle in the middle.
			w, h := f*scale*0.72, f*scale
			bx, by := (f-w)/2, (f-h)/2+f*0.02
			if inRoundRect(px, py, bx, by, w, h, f*0.04) {
				img.Set(x, y, white)
			}
			// Its clip at the top, gold.
			cw, ch := w*0.42, f*scale*0.12
			if inRoundRect(px, py, (f-cw)/2, by-ch*0.45, cw, ch, ch*0.3) {
				img.Set(x, y, gold)
			}
			// A red check mark on the board.
			s := f * scale
			ax, ay := f/2-s*0.2, by+h*0.55
			mx, my := f/2-s*0.05, by+h*0.7
			cx, cy := f/2+s*0.22, by+h*0.33
			if segDist(px, py, ax, ay, mx, my) < s*0.055 || segDist(px, py, mx, my, cx, cy) < s*0.055 {
				img.Set(x, y, red)
			}
		}
	}
	return img
}

func inRoundRect(px, py, x, y, w, h, r float64) bool {
	if px < x || py < y || px > x+w || py > y+h {
		return false
	}
	cx := math.Max(x+r, math.Min(px, x+w-r))
	cy := math.Max(y+r, math.Min(py, y+h-r))
	return (px-cx)*(px-cx)+(py-cy)*(py-cy) <= r*r
}

func segDist(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := math.Max(0, math.Min(1, ((px-ax)*dx+(py-ay)*dy)/(dx*dx+dy*dy)))
	qx, qy := ax+t*dx, ay+t*dy
	return math.Hypot(px-qx, py-qy)
}
