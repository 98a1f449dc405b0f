ALTER TABLE "users_concurrently" ADD COLUMN "last_name" text;
