-- One bag is hung once. The app refuses a second start of a dispense before it writes (with
-- words); this trigger keeps the store itself from ever holding two, whatever path writes.
-- Not a UNIQUE index: a store that already holds a duplicate (before this rule) must still open.
CREATE TRIGGER IF NOT EXISTS ward_transfusion_one_start_per_dispense
BEFORE INSERT ON ward_transfusion
WHEN EXISTS (SELECT 1 FROM ward_transfusion WHERE dispense_id = NEW.dispense_id)
BEGIN
    SELECT RAISE(ABORT, 'dispense already started on this device');
END;
