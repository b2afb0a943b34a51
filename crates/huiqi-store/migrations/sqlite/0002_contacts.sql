-- The contact the departments use to reach an enterprise (免申即享 push lists, issue 5), delivered
-- by the 市场监管 source with the registration; NULL = not on file. Provenance: enterprises.import_id,
-- changes in value_history like every other column.
ALTER TABLE enterprises ADD COLUMN contact_person TEXT;
ALTER TABLE enterprises ADD COLUMN contact_phone TEXT;
