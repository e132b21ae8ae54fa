// Package changelog writes the sync change log: every write transaction that changes a synced row gets a number
// (its "tx", the version of each row it writes), appends the rows it changed to sync_changes and keeps the count
// and checksum of their buckets in sync_buckets, all in the same transaction as the write. It also holds the
// registry machinery (Table, Owner, Registry: which model is which synced table and which bucket its rows are
// in), the horizon below which every transaction has finished (ReadSyncInfo, HorizonSQL), the epoch, the bucket
// rebuild and the detection of a restored SQLite file.
//
// An entry of the log is one row, or a run of at least 16 rows the transaction wrote one after another with the
// same operation, table, bucket and origin (a report's marks, a roster import): row_ids then lists them and data
// holds their JSON one per line (groupEntries). A pull expands such an entry into its rows; a page never splits it,
// as it never splits a transaction.
//
// server/store declares the synced tables (the registry entries, with its models) and writes through this
// package; sync/engine reads what it wrote.
//
// Sync transactions. Pulls read the log in tx order up to a horizon below which every transaction has finished,
// so no change is ever skipped:
//
//   - SQLite has a single writer, so a counter in sync_state, incremented inside the writing transaction, orders
//     transactions exactly as they commit; the horizon is the counter + 1.
//   - PostgreSQL commits concurrently, so a counter would hand out numbers out of commit order. There the tx is
//     the transaction id (pg_current_xact_id) plus a per-database offset, and the horizon is the oldest transaction
//     id still running in this database (HorizonSQL): everything below it has committed or aborted. A
//     transaction held open delays the horizon, and with it the visibility of later changes, until it ends; it
//     never hides one.
package changelog
