package main

import "context"

func (d *drill) load(ctx context.Context) error { return nil }
