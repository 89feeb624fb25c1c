CREATE TABLE `audit` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`run_id` integer NOT NULL,
	`pair_id` integer NOT NULL,
	`action` text NOT NULL,
	`outcome` text NOT NULL,
	`source_uid` text,
	`recurrence_id` text,
	`source_href` text,
	`target_href` text,
	`etag_before` text,
	`etag_after` text,
	`reason` text NOT NULL,
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`pair_id`) REFERENCES `pairs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_run` ON `audit` (`run_id`);--> statement-breakpoint
CREATE INDEX `audit_source_uid` ON `audit` (`pair_id`,`source_uid`);--> statement-breakpoint
CREATE TABLE `mappings` (
	`pair_id` integer NOT NULL,
	`source_uid` text NOT NULL,
	`recurrence_id` text NOT NULL,
	`instance_start` text NOT NULL,
	`instance_end` text NOT NULL,
	`source_href` text NOT NULL,
	`source_etag` text,
	`target_href` text NOT NULL,
	`target_etag` text,
	`content_hash` text NOT NULL,
	`last_seen_run` integer NOT NULL,
	PRIMARY KEY(`pair_id`, `source_uid`, `recurrence_id`),
	FOREIGN KEY (`pair_id`) REFERENCES `pairs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `mappings_target_href` ON `mappings` (`pair_id`,`target_href`);--> statement-breakpoint
CREATE TABLE `pairs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pair_key` text NOT NULL,
	`source` text NOT NULL,
	`target` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `pairs_pair_key_unique` ON `pairs` (`pair_key`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`pair_id` integer NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`window_start` text NOT NULL,
	`window_end` text NOT NULL,
	`outcome` text NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`deleted` integer DEFAULT 0 NOT NULL,
	`unchanged` integer DEFAULT 0 NOT NULL,
	`retired` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`error` text,
	FOREIGN KEY (`pair_id`) REFERENCES `pairs`(`id`) ON UPDATE no action ON DELETE no action
);
