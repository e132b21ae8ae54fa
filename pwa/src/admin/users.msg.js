// The messages of the administrators' users, audit screens (Vietnamese first, English second).
export const vi = {
  ad_users: 'Người dùng',
  ad_users_about: 'Tài khoản, phân quyền theo đơn vị và thời hạn, nhập danh sách cán bộ từ tệp.',
  ad_audit: 'Nhật ký thay đổi',
  ad_audit_about: 'Ai đã thay đổi gì, khi nào, trước và sau.',
};

export const en = {
  ad_users: 'Users',
  ad_users_about: "Accounts, roles over a unit with dates, importing officials from a file.",
  ad_audit: 'Audit log',
  ad_audit_about: "Who changed what and when, before and after.",
};
