-- PostgreSQL's 0033 makes the change log's time index a BRIN index; SQLite has none and keeps its B-tree.
SELECT 1;
