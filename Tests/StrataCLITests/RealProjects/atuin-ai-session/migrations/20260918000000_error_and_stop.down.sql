ALTER TABLE messages DROP COLUMN stop_reason;
ALTER TABLE messages DROP COLUMN is_error;
