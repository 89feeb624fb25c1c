ALTER TABLE `pairs` ADD `name` text;--> statement-breakpoint
CREATE UNIQUE INDEX `pairs_name_unique` ON `pairs` (`name`);