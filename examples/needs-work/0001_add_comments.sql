-- @name: Add comments
-- @description: Comments on tasks; shows what `strata lint` reports (see make demo)
-- @timestamp: 2024-04-02T10:00:00Z
-- @rollbackSafe: true
-- @performanceImpact: low
-- @dependencies: []

-- UP MIGRATION
CREATE TABLE comments (
  id TEXT PRIMARY KEY,
  task_id TEXT NOT NULL REFERENCES tasks (id),
  body TEXT NOT NULL
);
DELETE FROM tasks WHERE status = 'spam';

-- DOWN MIGRATION
