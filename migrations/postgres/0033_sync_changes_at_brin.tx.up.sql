-- The change log's time index only serves the pruner's "what is older than the retention period" (issue #15):
-- a BRIN index answers it from a few block ranges, as the log is written in time order, and costs a push nothing
-- per row, where the B-tree cost an index entry per change. SQLite has no BRIN and keeps its B-tree; its 0033 is
-- empty.
DROP INDEX sync_changes_at;
CREATE INDEX sync_changes_at ON sync_changes USING brin (at);
