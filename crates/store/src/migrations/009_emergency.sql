-- A transfusion of a unit released in an emergency before the crossmatch (clinical-rules §6):
-- the doctor's authorisation and the request time, as JSON (`EmergencyStart`); NULL otherwise.
ALTER TABLE ward_transfusion ADD COLUMN emergency TEXT;
