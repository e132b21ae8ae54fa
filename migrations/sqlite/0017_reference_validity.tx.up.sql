-- Reference data with validity dates (issue #11). A recommendation field and a rating label are in use from
-- valid_from (NULL: always was) to valid_to (NULL: still is): a field retired keeps its row, so the
-- recommendations filed under it keep their field, and a year's rating takes the labels valid in that year.
-- The default labels: Quy định 366-QĐ/TW from the 2025 ratings on, the older labels up to 2024. Their version stays
-- (as in 0013): devices do not use these columns, and a province's own labels are not touched.
ALTER TABLE recommendation_fields ADD COLUMN valid_from DATE;
ALTER TABLE recommendation_fields ADD COLUMN valid_to DATE;
ALTER TABLE rating_labels ADD COLUMN valid_from DATE;
ALTER TABLE rating_labels ADD COLUMN valid_to DATE;
UPDATE rating_labels SET valid_from = '2025-01-01' WHERE province_id IS NULL AND scheme = 'qd366_2025';
UPDATE rating_labels SET valid_to = '2024-12-31' WHERE province_id IS NULL AND scheme = 'legacy';
