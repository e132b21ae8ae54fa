-- The minutes (biên bản sinh hoạt chi bộ) as data (postgres; keep in step with ../sqlite/0011_sync_minutes.tx.up.sql).
-- minutes_templates: the agenda items of the minutes a province's template defines, valid from a day (a province's
-- own row wins over the default, province_id NULL; a meeting uses the latest version valid on its day). items is a
-- JSON array of {key, kind (text, review, discussion, resolution), required, types (meeting types it applies to,
-- empty: all), label_vi, label_en}. Synced to every device of the province as reference data.
-- rubric_criteria.computed names how a criterion is computed from the attendance instead of typed:
-- attendance_rate, no_unexcused, no_streak (empty: scored by the official).

CREATE TABLE minutes_templates (
    id          uuid PRIMARY KEY,
    province_id uuid REFERENCES org_units (id),
    name        text NOT NULL,
    valid_from  date NOT NULL,
    items       text NOT NULL DEFAULT '[]',
    version     bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    deleted_at  timestamptz
);
CREATE INDEX minutes_templates_province ON minutes_templates (province_id, valid_from);

INSERT INTO minutes_templates (id, province_id, name, valid_from, items, created_at, updated_at) VALUES
    ('3c0e7f52-6a8d-5b1e-9f4a-2d7c81b0e6a3', NULL, 'Mẫu biên bản sinh hoạt chi bộ', '2020-01-01',
     '[{"key":"opening","kind":"text","required":true,"types":[],"label_vi":"Khai mạc, tuyên bố lý do, giới thiệu đại biểu","label_en":"Opening, purpose, introduction of guests"},{"key":"review","kind":"review","required":true,"types":[],"label_vi":"Đánh giá kết quả thực hiện nghị quyết tháng trước","label_en":"Evaluation of last month''s resolution"},{"key":"news","kind":"text","required":true,"types":["regular"],"label_vi":"Thông tin thời sự, chủ trương, chính sách","label_en":"News, policies and guidelines"},{"key":"thematic","kind":"text","required":true,"types":["thematic"],"label_vi":"Nội dung chuyên đề","label_en":"Thematic content"},{"key":"discussion","kind":"discussion","required":true,"types":[],"label_vi":"Thảo luận","label_en":"Discussion"},{"key":"guidance","kind":"text","required":false,"types":[],"label_vi":"Ý kiến phát biểu, chỉ đạo của đại biểu cấp trên","label_en":"Remarks and guidance of the higher-level official"},{"key":"conclusion","kind":"text","required":true,"types":[],"label_vi":"Kết luận của đồng chí chủ trì","label_en":"The chair''s conclusion"},{"key":"resolution","kind":"resolution","required":true,"types":["regular"],"label_vi":"Nghị quyết tháng, biểu quyết","label_en":"The month''s resolution and vote"},{"key":"thematic_resolution","kind":"resolution","required":false,"types":["thematic"],"label_vi":"Nghị quyết chuyên đề, biểu quyết","label_en":"Thematic resolution and vote"}]',
     '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00');

ALTER TABLE rubric_criteria ADD COLUMN computed text NOT NULL DEFAULT '';
UPDATE rubric_criteria SET computed = 'attendance_rate' WHERE id = 'd09f0aa0-7b40-57d0-ae7d-ac704cea4d7c';
UPDATE rubric_criteria SET computed = 'no_unexcused' WHERE id = '2030903a-6a0e-5263-9116-188d179757ed';
UPDATE rubric_criteria SET computed = 'no_streak' WHERE id = 'c39f17f3-024c-5f16-8d4a-eb85971488cf';
