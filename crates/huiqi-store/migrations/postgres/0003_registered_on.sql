-- 日常调度 counts new registrations per county from 1 January to each month's end (issue 7), once
-- per month of the dashboard's trend: a covering index makes that a range scan of the index instead
-- of a scan of the registry (1M enterprises: 0.06 s instead of 0.5 s per month's table).
CREATE INDEX enterprises_registered ON enterprises (registered_on, county);
