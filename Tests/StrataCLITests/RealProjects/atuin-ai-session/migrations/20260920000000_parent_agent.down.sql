ALTER TABLE messages DROP COLUMN parent_agent;
