-- The flyte_nb metadata schema v1 (schema_info schema_version=1), exactly as the issue-2
-- recorder created it. Frozen: tests/test_migrations.py builds old databases from it.
CREATE TABLE actions (
	run_name VARCHAR(128) NOT NULL, 
	name VARCHAR(128) NOT NULL, 
	parent VARCHAR(128), 
	seq INTEGER NOT NULL, 
	task_name VARCHAR(256) NOT NULL, 
	short_name VARCHAR(256) NOT NULL, 
	group_name VARCHAR(256), 
	phase VARCHAR(16) NOT NULL, 
	created_at FLOAT NOT NULL, 
	started_at FLOAT, 
	ended_at FLOAT, 
	attempts INTEGER NOT NULL, 
	cache_hit BOOLEAN NOT NULL, 
	cache_key VARCHAR(128), 
	inputs TEXT, 
	outputs TEXT, 
	error TEXT, 
	transitions TEXT NOT NULL, 
	attempt_log TEXT NOT NULL, 
	PRIMARY KEY (run_name, name)
);
CREATE TABLE cache_entries (
	"key" VARCHAR(128) NOT NULL, 
	task_name VARCHAR(256) NOT NULL, 
	version VARCHAR(128) NOT NULL, 
	outputs TEXT NOT NULL, 
	run_name VARCHAR(128) NOT NULL, 
	action_name VARCHAR(128) NOT NULL, 
	created_at FLOAT NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE INDEX ix_cache_task_version ON cache_entries (task_name, version);
CREATE TABLE logs (
	id INTEGER NOT NULL, 
	run_name VARCHAR(128) NOT NULL, 
	action_name VARCHAR(128) NOT NULL, 
	attempt INTEGER NOT NULL, 
	stream VARCHAR(8) NOT NULL, 
	ts FLOAT NOT NULL, 
	text TEXT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_logs_action ON logs (run_name, action_name, id);
CREATE TABLE runs (
	name VARCHAR(128) NOT NULL, 
	task_name VARCHAR(256) NOT NULL, 
	phase VARCHAR(16) NOT NULL, 
	mode VARCHAR(16) NOT NULL, 
	created_at FLOAT NOT NULL, 
	started_at FLOAT, 
	ended_at FLOAT, 
	inputs TEXT, 
	outputs TEXT, 
	error TEXT, 
	action_count INTEGER NOT NULL, 
	owner_host VARCHAR(256), 
	owner_pid INTEGER, 
	owner_started VARCHAR(64), 
	env_vars TEXT, 
	PRIMARY KEY (name)
);
CREATE INDEX ix_runs_created_at ON runs (created_at);
CREATE INDEX ix_runs_phase ON runs (phase);
CREATE TABLE schema_info (
	"key" VARCHAR(64) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO schema_info ("key", value) VALUES ('schema_version', '1');
