-- @name: Create projects
-- @description: Projects group tasks; each belongs to one owner
-- @timestamp: 2024-01-09T10:30:00Z
-- @rollbackSafe: true
-- @performanceImpact: low
-- @dependencies: ["0001_create_users"]

-- UP MIGRATION
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  archived INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- Deleting a user cascades to projects: index the foreign key so that delete does not scan.
CREATE INDEX idx_projects_owner ON projects (owner_id, archived);

-- DOWN MIGRATION
DROP INDEX IF EXISTS idx_projects_owner;
DROP TABLE IF EXISTS projects;
