// The messages the administration screens share: the menu, the read-only notice, the offline notice.
export const vi = {
  ad_title: 'Quản trị hệ thống',
  ad_menu: 'Các mục quản trị',
  ad_readonly: 'Đồng chí đang xem; chỉ quản trị viên của đơn vị mới thay đổi được.',
  ad_only: 'Chỉ quản trị viên và cán bộ giám sát mới xem được mục này.',
  ad_offline: 'Mục quản trị cần kết nối mạng. Đồng chí hãy kết nối lại rồi thử lại.',
  ad_back: 'Về trang quản trị',
  ad_choose_file: 'Chọn tệp',
  ad_no_file: 'Chưa chọn tệp',
};

export const en = {
  ad_title: 'Administration',
  ad_menu: 'Administration areas',
  ad_readonly: 'You are reading; only an administrator of the unit can change it.',
  ad_only: 'Only administrators and supervisors can see this.',
  ad_offline: 'Administration needs a connection. Connect again and retry.',
  ad_back: 'Back to administration',
  ad_choose_file: 'Choose a file',
  ad_no_file: 'No file chosen',
};
