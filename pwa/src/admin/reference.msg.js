// The messages of the administrators' reference, ratings screens (Vietnamese first, English second).
export const vi = {
  ad_reference: 'Danh mục',
  ad_reference_about: 'Lĩnh vực kiến nghị, tiêu chí chấm điểm, mẫu biên bản, mức xếp loại, theo thời gian hiệu lực.',
  ad_ratings: 'Xếp loại hằng năm',
  ad_ratings_about: 'Kết quả xếp loại chất lượng chi bộ từng năm: nhập từng chi bộ hoặc từ tệp.',
};

export const en = {
  ad_reference: 'Reference data',
  ad_reference_about: "Recommendation fields, the rubric, the minutes template, rating labels, with dates in force.",
  ad_ratings: 'Annual ratings',
  ad_ratings_about: "Each year's quality rating of the cells: one by one or from a file.",
};
