-- @name: Archive done tasks
-- @description: Moves finished tasks out of the hot table into task_archive
-- @timestamp: 2024-03-04T16:45:00Z
-- @rollbackSafe: false
-- @performanceImpact: high
-- @dependencies: ["0003_create_tasks", "0004_add_task_due_dates"]

-- UP MIGRATION
CREATE TABLE task_archive (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  archived_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_task_archive_project ON task_archive (project_id);

INSERT INTO task_archive (id, project_id, title)
  SELECT id, project_id, title FROM tasks WHERE status = 'done';

-- Destructive: the archive keeps id, project and title only. That is why this file is
-- marked @rollbackSafe: false; the DOWN below restores what the archive kept.
DELETE FROM tasks WHERE status = 'done';

-- DOWN MIGRATION
INSERT INTO tasks (id, project_id, title, status)
  SELECT id, project_id, title, 'done' FROM task_archive;
DROP INDEX IF EXISTS idx_task_archive_project;
DROP TABLE IF EXISTS task_archive;
