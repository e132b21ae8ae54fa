-- PostgreSQL only (see ../postgres/0036_large_values_inline.tx.up.sql: where its large values are stored). SQLite
-- keeps a row's values in its own pages, overflowing to further pages as it needs; there is nothing to set.
SELECT 1;
