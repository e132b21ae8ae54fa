// The messages of the administrators' org, schedules screens (Vietnamese first, English second).
export const vi = {
  ad_org: 'Tổ chức đảng',
  ad_org_about: 'Cây tổ chức: tìm, thêm, đổi tên, chuyển, mở và đóng, hợp nhất, chia tách.',
  ad_schedules: 'Lịch sinh hoạt',
  ad_schedules_about: 'Lịch sinh hoạt chung của tỉnh và riêng từng chi bộ; dời, hủy buổi sinh hoạt một tháng.',
};

export const en = {
  ad_org: 'Party organisations',
  ad_org_about: "The organisation tree: search, create, rename, move, open and close, merge, split.",
  ad_schedules: 'Meeting schedules',
  ad_schedules_about: "The province's schedule and a cell's own; moving or cancelling a month's meeting.",
};
