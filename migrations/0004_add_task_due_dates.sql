-- @name: Add task due dates
-- @description: Tasks get an optional due date, indexed for the "due soon" view
-- @timestamp: 2024-02-01T08:15:00Z
-- @rollbackSafe: true
-- @performanceImpact: low
-- @dependencies: ["0003_create_tasks"]

-- UP MIGRATION
ALTER TABLE tasks ADD COLUMN due_at TEXT;
CREATE INDEX idx_tasks_due ON tasks (due_at);

-- DOWN MIGRATION
DROP INDEX IF EXISTS idx_tasks_due;
ALTER TABLE tasks DROP COLUMN due_at;
