DROP TABLE ingest_files;
DROP TABLE tool_calls;
DROP TABLE messages;
