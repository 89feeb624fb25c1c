CREATE TABLE `digest_logins` (
	`origin` text NOT NULL,
	`username` text NOT NULL,
	`learned_at` text NOT NULL,
	PRIMARY KEY(`origin`, `username`)
);
