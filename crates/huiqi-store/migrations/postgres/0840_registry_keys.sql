-- Speed and scale (issue 18): migrations/sqlite/0840_registry_keys.sql turns SQLite's two registry
-- keys into unique indexes of their own, which its import into an empty registry drops and builds
-- after the load. PostgreSQL keeps its primary keys: its bulk load drops and rebuilds keys,
-- indexes and foreign keys itself (`DeferredSchema` in registry/import.rs). Nothing to change.
SELECT 1;
