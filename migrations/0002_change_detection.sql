CREATE TABLE `collection_objects` (
	`pair_id` integer NOT NULL,
	`side` text NOT NULL,
	`href` text NOT NULL,
	`etag` text,
	`data` text,
	`marker_pair` text,
	`marker_source_uid` text,
	`marker_recurrence_id` text,
	`instance_start` text,
	`instance_end` text,
	PRIMARY KEY(`pair_id`, `side`, `href`),
	FOREIGN KEY (`pair_id`) REFERENCES `pairs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `collection_state` (
	`pair_id` integer NOT NULL,
	`side` text NOT NULL,
	`sync_token` text,
	`ctag` text,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`pair_id`, `side`),
	FOREIGN KEY (`pair_id`) REFERENCES `pairs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `discovered_calendars` (
	`settings_key` text PRIMARY KEY NOT NULL,
	`collection_url` text NOT NULL,
	`display_name` text NOT NULL,
	`discovered_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `runs` ADD `requests` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `requests_by_method` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `bytes_received` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `duration_ms` integer;