package main

import "context"

func (d *drill) backupPG(ctx context.Context) error     { return nil }
func (d *drill) backupSQLite(ctx context.Context) error { return nil }
func (d *drill) load(ctx context.Context) error         { return nil }
