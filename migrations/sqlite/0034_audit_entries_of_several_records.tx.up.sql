-- An audit entry can stand for several records (issue #15): the records one push changed the same way, of one kind
-- and one unit, are one entry, their ids listed here as a JSON array (entity_id is the first of them) and their
-- before and after as JSON arrays in the same order. NULL for an entry about one record, as every entry before.
ALTER TABLE audit_log ADD COLUMN entity_ids TEXT;
