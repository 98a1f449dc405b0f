-- @name: Create tasks
-- @description: Tasks live in a project and may be assigned to a user
-- @timestamp: 2024-01-12T14:00:00Z
-- @rollbackSafe: true
-- @performanceImpact: medium
-- @dependencies: ["0002_create_projects"]

-- UP MIGRATION
CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  assignee_id TEXT REFERENCES users (id) ON DELETE SET NULL,
  title TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'doing', 'done')),
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_tasks_project_status ON tasks (project_id, status);
-- Partial indexes do not serve ON DELETE lookups, so the assignee index covers every row.
CREATE INDEX idx_tasks_assignee ON tasks (assignee_id);

-- DOWN MIGRATION
DROP INDEX IF EXISTS idx_tasks_assignee;
DROP INDEX IF EXISTS idx_tasks_project_status;
DROP TABLE IF EXISTS tasks;
