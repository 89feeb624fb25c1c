ALTER TABLE `audit` ADD `content_before` text;--> statement-breakpoint
ALTER TABLE `audit` ADD `undoes` integer;--> statement-breakpoint
ALTER TABLE `runs` ADD `command` text DEFAULT 'sync' NOT NULL;--> statement-breakpoint
-- last_runs says which command each run was (sync, repair or undo).
DROP VIEW `last_runs`;--> statement-breakpoint
CREATE VIEW `last_runs` AS
SELECT r.id AS run_id, p.pair_key, r.command, r.started_at, r.finished_at, r.outcome, r.created, r.updated, r.deleted,
       r.unchanged, r.retired, r.skipped, r.failed, r.conflicts, r.propagated, r.kept_deleted, r.requests,
       r.duration_ms, r.error
FROM `runs` r JOIN `pairs` p ON p.id = r.pair_id
ORDER BY r.id DESC;
