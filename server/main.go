// Command chibo is the Chibo server: the API, the officials' app and the background workers in one binary.
// Run "chibo help" for the subcommands; configuration comes from flags and CHIBO_* environment variables.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/chibo-vn/chibo/server/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := app.Run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chibo:", err)
		os.Exit(1)
	}
}
