CREATE TABLE `locks` (
	`pair_id` integer PRIMARY KEY NOT NULL,
	`run_id` integer,
	`pid` integer NOT NULL,
	`host` text NOT NULL,
	`acquired_at` text NOT NULL,
	`heartbeat_at` text NOT NULL,
	FOREIGN KEY (`pair_id`) REFERENCES `pairs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `collection_objects` ADD `uid` text;--> statement-breakpoint
ALTER TABLE `collection_objects` ADD `own_recurrence_id` text;--> statement-breakpoint
ALTER TABLE `collection_objects` ADD `summary` text;--> statement-breakpoint
ALTER TABLE `collection_objects` ADD `recurring` integer;--> statement-breakpoint
ALTER TABLE `collection_objects` ADD `sequence` integer;--> statement-breakpoint
ALTER TABLE `collection_objects` ADD `created_at` text;--> statement-breakpoint
ALTER TABLE `mappings` ADD `target_uid` text;--> statement-breakpoint
ALTER TABLE `mappings` ADD `copy_state` text DEFAULT 'synced' NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `conflicts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `propagated` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `kept_deleted` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Target objects cached before facts were kept are read again once, so duplicates are seen in them too.
DELETE FROM `collection_objects` WHERE `side` = 'target';--> statement-breakpoint
DELETE FROM `collection_state` WHERE `side` = 'target';
