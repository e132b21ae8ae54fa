-- The large values a push writes (the change log's rows, an audit entry's records, a push's packed outcomes: 5–30 KB
-- of JSON for a report of 50 marks) stay in their table's page, compressed, instead of being cut into 2 KB chunks in
-- the table's TOAST table (issue #15). By default PostgreSQL moves a value out once its row passes about 2 KB even
-- compressed: each such value was three to ten more rows and index entries to write in a push, and to read back in
-- a pull. A row is now compressed once it passes about 8 KB, and moved out only if it still does. Rows written
-- before keep their storage. Keep in step with ../sqlite/0036_large_values_inline.tx.up.sql.
ALTER TABLE sync_changes SET (toast_tuple_target = 8160);
ALTER TABLE audit_log SET (toast_tuple_target = 8160);
ALTER TABLE sync_results SET (toast_tuple_target = 8160);
