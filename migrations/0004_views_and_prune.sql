CREATE TABLE `audit_prune_permit` (
	`granted_at` text NOT NULL
);
--> statement-breakpoint
-- Old audit rows may be removed by the prune command only (it holds a permit row meanwhile).
DROP TRIGGER `audit_no_delete`;--> statement-breakpoint
CREATE TRIGGER `audit_no_delete` BEFORE DELETE ON `audit`
WHEN NOT EXISTS (SELECT 1 FROM `audit_prune_permit`)
BEGIN
  SELECT RAISE(ABORT, 'audit rows are append-only; old ones are removed with the prune command');
END;--> statement-breakpoint
-- Views for the questions people ask of sync.db (see the README).
CREATE VIEW `last_runs` AS
SELECT r.id AS run_id, p.pair_key, r.started_at, r.finished_at, r.outcome, r.created, r.updated, r.deleted,
       r.unchanged, r.retired, r.skipped, r.failed, r.conflicts, r.propagated, r.kept_deleted, r.requests,
       r.duration_ms, r.error
FROM `runs` r JOIN `pairs` p ON p.id = r.pair_id
ORDER BY r.id DESC;--> statement-breakpoint
CREATE VIEW `failures` AS
SELECT a.at, p.pair_key, a.run_id, a.action, a.source_uid, a.recurrence_id, a.target_href, a.reason
FROM `audit` a JOIN `pairs` p ON p.id = a.pair_id
WHERE a.outcome = 'failed'
ORDER BY a.id DESC;--> statement-breakpoint
-- Conflicts as the latest finished run of each pair reported them (TARGET_EDITS=keep reports them every run).
CREATE VIEW `conflicts` AS
SELECT a.at, p.pair_key, a.run_id, a.source_uid, a.recurrence_id, a.target_href, a.reason
FROM `audit` a JOIN `pairs` p ON p.id = a.pair_id
WHERE a.action = 'conflict'
  AND a.run_id = (SELECT max(r.id) FROM `runs` r WHERE r.pair_id = a.pair_id AND r.finished_at IS NOT NULL);--> statement-breakpoint
CREATE VIEW `copies_per_event` AS
SELECT p.pair_key, m.source_uid, count(*) AS copies,
       sum(m.copy_state = 'deleted-on-target') AS kept_deleted,
       min(m.instance_start) AS first_start, max(m.instance_start) AS last_start
FROM `mappings` m JOIN `pairs` p ON p.id = m.pair_id
GROUP BY m.pair_id, m.source_uid;
