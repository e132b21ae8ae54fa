-- Every processed mutation now keeps its outcome, applied ones included, so that a resent mutation is answered
-- with its first outcome whole: the version it produced and the fields recorded as conflicts (comma-separated).
ALTER TABLE sync_results ADD COLUMN conflicts TEXT NOT NULL DEFAULT '';
