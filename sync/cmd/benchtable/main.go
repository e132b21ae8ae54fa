// Command benchtable turns the output of `go test -bench` runs, each preceded by a line "# <database>", into a
// Markdown table with one column per database: `make bench` prints it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	if err := table(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func table(in io.Reader, out io.Writer) error {
	var dbs, rows []string
	cells := map[string]map[string]string{}
	db := ""
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# ") {
			db = strings.TrimPrefix(line, "# ")
			dbs = append(dbs, db)
			continue
		}
		fmt.Fprintln(os.Stderr, line) // keep the raw output visible
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		for i := 2; i+1 < len(f); i += 2 {
			unit := f[i+1]
			if unit == "ns/op" || unit == "B/op" || unit == "allocs/op" {
				continue
			}
			key := name + " " + unit
			if cells[key] == nil {
				cells[key] = map[string]string{}
				rows = append(rows, key)
			}
			cells[key][db] = f[i]
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\n| benchmark | %s |\n|---|%s\n", strings.Join(dbs, " | "), strings.Repeat("---:|", len(dbs)))
	for _, k := range rows {
		vals := make([]string, len(dbs))
		for i, d := range dbs {
			vals[i] = cells[k][d]
		}
		fmt.Fprintf(out, "| %s | %s |\n", k, strings.Join(vals, " | "))
	}
	return nil
}
