-- The interface writes tone marks one way (hòa, hóa, thủy, khỏe; issue #10): the default recommendation field
-- "Văn hoá, xã hội" becomes "Văn hóa, xã hội". Its version stays: devices that never had it read the new name,
-- and a province's own list is not touched.
UPDATE recommendation_fields SET name_vi = 'Văn hóa, xã hội'
WHERE id = '8f1aa837-4b4a-53ad-ac73-09ab2f5fab6e' AND name_vi = 'Văn hoá, xã hội';
