-- Revert hashtags

BEGIN;

DROP TABLE hashtags;

COMMIT;
