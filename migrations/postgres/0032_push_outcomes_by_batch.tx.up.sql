-- One sync_results row per push instead of one per mutation (issue #15): a row with status 'batch' answers the
-- mutations first_seq to seq, their outcomes packed in batch (a JSON array). Keep in step with
-- ../sqlite/0032_push_outcomes_by_batch.tx.up.sql.
--
-- Rows written before have no first_seq: they answer seq alone.
ALTER TABLE sync_results ADD COLUMN first_seq bigint;
ALTER TABLE sync_results ADD COLUMN batch text NOT NULL DEFAULT '';
