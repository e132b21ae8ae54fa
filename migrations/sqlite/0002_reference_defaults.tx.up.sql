-- Default reference data every province inherits until it sets its own (rows with province_id NULL).
-- Identical for both dialects. Fields follow the Gia Lộc list (seed 003); the rubric follows Phú Thọ's
-- 100-point rubric; rating labels are Quy định 366-QĐ/TW (2025) and the older labels for old records.

INSERT INTO recommendation_fields (id, province_id, code, name_vi, name_en, sort_order, active, created_at, updated_at) VALUES
    ('5f536581-698c-533a-b5c0-8cee7dff9edc', NULL, 'nong_nghiep', 'Nông nghiệp, nông thôn', 'Agriculture and rural affairs', 10, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('df0f501d-e52e-5765-81ea-dfe7db6ecb1f', NULL, 'cn_dv_hatang', 'Công nghiệp, dịch vụ, hạ tầng', 'Industry, services and infrastructure', 20, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('8dd5aa13-2f15-5e67-a8db-1a41723c9e66', NULL, 'chinh_sach', 'Chế độ, chính sách', 'Policies and entitlements', 30, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('87b6cba1-bc38-52e2-97f0-cee38e1da111', NULL, 'dat_dai', 'Đất đai, tài nguyên, môi trường', 'Land, resources and environment', 40, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('8f1aa837-4b4a-53ad-ac73-09ab2f5fab6e', NULL, 'van_hoa_xa_hoi', 'Văn hoá, xã hội', 'Culture and society', 50, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('030edaa8-f0fe-5ada-ac2e-d4730aa86190', NULL, 'an_ninh_quoc_phong', 'An ninh, quốc phòng', 'Security and defence', 60, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('2244a5fd-4b1e-507c-b1dd-fd2a589e723b', NULL, 'xay_dung_dang', 'Xây dựng Đảng, chính quyền', 'Party and government building', 70, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('f985eb35-231f-5226-a7d0-5ae566b3787c', NULL, 'khac', 'Lĩnh vực khác', 'Other', 80, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00');

INSERT INTO rubrics (id, province_id, name, valid_from, good_min, fair_min, average_min, created_at, updated_at) VALUES
    ('0b045448-01f0-53c3-a8d7-637b1bdd923b', NULL, 'Thang điểm chất lượng sinh hoạt chi bộ (100 điểm)', '2020-01-01', 90, 70, 50, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00');

INSERT INTO rubric_criteria (id, rubric_id, code, group_vi, group_en, name_vi, name_en, max_points, sort_order, created_at, updated_at) VALUES
    ('e2c1aa7a-adf2-5b21-921b-8603a60b8beb', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'chuan_bi_noi_dung', 'Chuẩn bị', 'Preparation', 'Chi ủy chuẩn bị nội dung, tài liệu trước buổi sinh hoạt', 'The committee prepared the content and documents beforehand', 10, 10, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('46963fe1-6f19-500b-a106-22a4098f2a09', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'chuan_bi_thong_bao', 'Chuẩn bị', 'Preparation', 'Thông báo thời gian, địa điểm, nội dung cho đảng viên', 'Members were told the time, place and content', 5, 20, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('d09f0aa0-7b40-57d0-ae7d-ac704cea4d7c', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'chuyen_can_ty_le', 'Chuyên cần', 'Attendance', 'Tỷ lệ đảng viên dự sinh hoạt đạt từ 85% trở lên', 'At least 85% of members attended', 10, 30, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('2030903a-6a0e-5263-9116-188d179757ed', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'chuyen_can_khong_vang', 'Chuyên cần', 'Attendance', 'Không có đảng viên vắng không có lý do', 'No member was absent without reason', 5, 40, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('c39f17f3-024c-5f16-8d4a-eb85971488cf', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'chuyen_can_lien_tiep', 'Chuyên cần', 'Attendance', 'Không có đảng viên vắng có lý do quá 3 lần liên tiếp trong năm', 'No member was absent with reason more than 3 times in a row this year', 5, 50, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('389c5e66-d997-5a08-a82f-fa1202842ce5', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'tien_hanh_quy_trinh', 'Tiến hành', 'Conduct', 'Đúng quy trình, đủ thời gian tối thiểu 90 phút', 'Followed the procedure and lasted at least 90 minutes', 10, 60, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('7271670d-8a62-5e50-899f-c976dc6a13a1', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'tien_hanh_danh_gia', 'Tiến hành', 'Conduct', 'Đánh giá việc thực hiện nghị quyết tháng trước', 'Reviewed how last month''s resolution was carried out', 10, 70, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('6c597f40-4d6c-5a32-a4f2-7ad8658662f8', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'tien_hanh_thao_luan', 'Tiến hành', 'Conduct', 'Thảo luận dân chủ, nhiều ý kiến phát biểu có chất lượng', 'Democratic discussion with many substantive contributions', 15, 80, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('eeb7163b-a84d-5ba2-8609-74973bc37001', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'tien_hanh_nghi_quyet', 'Tiến hành', 'Conduct', 'Nghị quyết ngắn gọn, cụ thể, sát tình hình thực tế', 'The resolution was short, concrete and realistic', 10, 90, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('07399fba-ca4f-5869-90a5-fb1c3fa3d824', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'ket_thuc_bien_ban', 'Kết thúc', 'Closing', 'Biên bản ghi đầy đủ, đúng mẫu', 'The minutes were complete and on the template', 10, 100, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('c01329f2-19df-5f6b-ac42-e4b4dad416e8', '0b045448-01f0-53c3-a8d7-637b1bdd923b', 'ket_thuc_phan_cong', 'Kết thúc', 'Closing', 'Phân công thực hiện rõ người, rõ việc, rõ thời hạn', 'Tasks were assigned with a person and a deadline each', 10, 110, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00');

INSERT INTO rating_labels (id, province_id, scheme, code, name_vi, name_en, min_score, weak, sort_order, active, created_at, updated_at) VALUES
    ('8d3d354b-a856-5a6c-9f23-e9b5a94d394c', NULL, 'qd366_2025', 'xuat_sac', 'Hoàn thành xuất sắc nhiệm vụ', 'Completed tasks excellently', 90, FALSE, 10, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('29d90898-fe24-5760-bab5-4ed857a76619', NULL, 'qd366_2025', 'tot', 'Hoàn thành tốt nhiệm vụ', 'Completed tasks well', 70, FALSE, 20, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('1671882d-cdfe-5f82-8b47-ddf45065c29a', NULL, 'qd366_2025', 'hoan_thanh', 'Hoàn thành nhiệm vụ', 'Completed tasks', 50, FALSE, 30, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('54ad8624-0c6f-55c9-b9fe-a08b26488e80', NULL, 'qd366_2025', 'khong_hoan_thanh', 'Không hoàn thành nhiệm vụ', 'Did not complete tasks', NULL, TRUE, 40, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('daaf6158-a912-52b4-8759-023aa771df7c', NULL, 'legacy', 'trong_sach_vung_manh', 'Trong sạch, vững mạnh', 'Clean and strong', NULL, FALSE, 10, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('ebaf1cb5-7231-58a9-a101-f20cda488813', NULL, 'legacy', 'hoan_thanh_tot', 'Hoàn thành tốt nhiệm vụ (cũ)', 'Completed tasks well (old scheme)', NULL, FALSE, 20, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('3e773907-13ed-5291-8e00-1bc9dc7696e1', NULL, 'legacy', 'hoan_thanh', 'Hoàn thành nhiệm vụ (cũ)', 'Completed tasks (old scheme)', NULL, FALSE, 30, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00'),
    ('c2eecaca-cbae-54a2-95a8-fb1846f2761e', NULL, 'legacy', 'yeu_kem', 'Yếu kém', 'Weak', NULL, TRUE, 40, TRUE, '2025-07-01 00:00:00+00:00', '2025-07-01 00:00:00+00:00');
