// The messages of the administrators' rosters screens (Vietnamese first, English second).
export const vi = {
  ad_rosters: 'Đảng viên',
  ad_rosters_about: 'Danh sách đảng viên từng chi bộ: nhập từ tệp, tải về, sửa thông tin.',
};

export const en = {
  ad_rosters: 'Party members',
  ad_rosters_about: "Each cell's roster: import from a file, download, edit a member.",
};
