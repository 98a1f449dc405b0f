-- @name: Create users
-- @description: Adds the users table with a unique, case-folded email
-- @timestamp: 2024-01-08T09:00:00Z
-- @rollbackSafe: true
-- @performanceImpact: low
-- @dependencies: []

-- UP MIGRATION (forward changes)
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  display_name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE UNIQUE INDEX idx_users_email ON users (email);

-- DOWN MIGRATION (rollback changes)
DROP INDEX IF EXISTS idx_users_email;
DROP TABLE IF EXISTS users;
