"""SQLite statements compiled by SQLAlchemy from ``_schema.py``. Generated; do not edit.

Regenerate with ``python -m flyte_nb.store._schema > flyte_nb/store/_sqlite_sql.py``;
``tests/test_store_schema.py`` fails when this file and the schema disagree.
"""

HEAD = '0007'
REVISIONS = (
    '0001',
    '0002',
    '0003',
    '0004',
    '0005',
    '0006',
    '0007',
)
DDL = (
    'CREATE TABLE IF NOT EXISTS actions (\n\trun_name VARCHAR(128) NOT NULL, \n\tname VARCHAR(128) NOT NULL, \n\tparent VARCHAR(128), \n\tseq INTEGER NOT NULL, \n\ttask_name VARCHAR(256) NOT NULL, \n\tshort_name VARCHAR(256) NOT NULL, \n\tgroup_name VARCHAR(256), \n\tphase VARCHAR(16) NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tstarted_at FLOAT, \n\tended_at FLOAT, \n\tattempts INTEGER NOT NULL, \n\tcache_hit BOOLEAN NOT NULL, \n\tcache_key VARCHAR(128), \n\tinputs TEXT, \n\toutputs TEXT, \n\terror TEXT, \n\ttransitions TEXT NOT NULL, \n\tattempt_log TEXT NOT NULL, \n\tspec TEXT, \n\tPRIMARY KEY (run_name, name)\n)',
    'CREATE TABLE IF NOT EXISTS app_logs (\n\tid INTEGER NOT NULL, \n\tproject VARCHAR(64) NOT NULL, \n\tdomain VARCHAR(64) NOT NULL, \n\tname VARCHAR(64) NOT NULL, \n\trevision INTEGER NOT NULL, \n\tstream VARCHAR(8) NOT NULL, \n\tts FLOAT NOT NULL, \n\ttext TEXT NOT NULL, \n\tPRIMARY KEY (id)\n)',
    'CREATE INDEX IF NOT EXISTS ix_app_logs_app ON app_logs (project, domain, name, id)',
    'CREATE TABLE IF NOT EXISTS apps (\n\tproject VARCHAR(64) NOT NULL, \n\tdomain VARCHAR(64) NOT NULL, \n\tname VARCHAR(64) NOT NULL, \n\trevision INTEGER NOT NULL, \n\tstate VARCHAR(16) NOT NULL, \n\treason TEXT, \n\tdesired VARCHAR(16) NOT NULL, \n\tspec TEXT NOT NULL, \n\tversion VARCHAR(128), \n\tresolved TEXT, \n\tport INTEGER NOT NULL, \n\trestarts INTEGER NOT NULL, \n\towner_host VARCHAR(256), \n\towner_pid INTEGER, \n\towner_started VARCHAR(64), \n\tcreated_at FLOAT NOT NULL, \n\tupdated_at FLOAT NOT NULL, \n\tdeployed_at FLOAT NOT NULL, \n\tactive_at FLOAT, \n\tPRIMARY KEY (project, domain, name)\n)',
    'CREATE TABLE IF NOT EXISTS artifact_consumptions (\n\trun_name VARCHAR(128) NOT NULL, \n\tinput VARCHAR(128) NOT NULL, \n\tproject VARCHAR(64) NOT NULL, \n\tdomain VARCHAR(64) NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\tversion VARCHAR(128) NOT NULL, \n\tconsumed_at FLOAT NOT NULL, \n\tPRIMARY KEY (run_name, input)\n)',
    'CREATE INDEX IF NOT EXISTS ix_artifact_consumptions_version ON artifact_consumptions (project, domain, name, version)',
    'CREATE TABLE IF NOT EXISTS artifact_partitions (\n\tproject VARCHAR(64) NOT NULL, \n\tdomain VARCHAR(64) NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\tversion VARCHAR(128) NOT NULL, \n\t"key" VARCHAR(64) NOT NULL, \n\tvalue VARCHAR(256) NOT NULL, \n\tPRIMARY KEY (project, domain, name, version, "key")\n)',
    'CREATE INDEX IF NOT EXISTS ix_artifact_partitions_value ON artifact_partitions (project, domain, name, "key", value)',
    'CREATE TABLE IF NOT EXISTS artifacts (\n\tproject VARCHAR(64) NOT NULL, \n\tdomain VARCHAR(64) NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\tversion VARCHAR(128) NOT NULL, \n\tpartitions TEXT NOT NULL, \n\ttime_partition FLOAT, \n\tgranularity VARCHAR(8), \n\tvalue TEXT NOT NULL, \n\ttype VARCHAR(256) NOT NULL, \n\trun_name VARCHAR(128), \n\taction_name VARCHAR(128), \n\toutput VARCHAR(128), \n\tcreated_at FLOAT NOT NULL, \n\tshort_description TEXT, \n\tcard TEXT, \n\tPRIMARY KEY (project, domain, name, version)\n)',
    'CREATE INDEX IF NOT EXISTS ix_artifacts_key_created_at ON artifacts (project, domain, name, created_at)',
    'CREATE INDEX IF NOT EXISTS ix_artifacts_run_name ON artifacts (run_name)',
    'CREATE TABLE IF NOT EXISTS cache_entries (\n\t"key" VARCHAR(128) NOT NULL, \n\ttask_name VARCHAR(256) NOT NULL, \n\tversion VARCHAR(128) NOT NULL, \n\toutputs TEXT NOT NULL, \n\trun_name VARCHAR(128) NOT NULL, \n\taction_name VARCHAR(128) NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tPRIMARY KEY ("key")\n)',
    'CREATE INDEX IF NOT EXISTS ix_cache_task_version ON cache_entries (task_name, version)',
    'CREATE TABLE IF NOT EXISTS docs (\n\trun_name VARCHAR(128) NOT NULL, \n\taction_name VARCHAR(128) NOT NULL, \n\tattempt INTEGER NOT NULL, \n\tkind VARCHAR(16) NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\tdigest VARCHAR(64) NOT NULL, \n\tsize INTEGER NOT NULL, \n\tupdated_at FLOAT NOT NULL, \n\tPRIMARY KEY (run_name, action_name, attempt, kind, name)\n)',
    'CREATE TABLE IF NOT EXISTS launch_plans (\n\tproject VARCHAR(64) NOT NULL, \n\tdomain VARCHAR(64) NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\tversion VARCHAR(128) NOT NULL, \n\tworkflow_name VARCHAR(256) NOT NULL, \n\tworkflow_version VARCHAR(128) NOT NULL, \n\tspec TEXT NOT NULL, \n\tactive BOOLEAN NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tPRIMARY KEY (project, domain, name, version)\n)',
    'CREATE TABLE IF NOT EXISTS logs (\n\tid INTEGER NOT NULL, \n\trun_name VARCHAR(128) NOT NULL, \n\taction_name VARCHAR(128) NOT NULL, \n\tattempt INTEGER NOT NULL, \n\tstream VARCHAR(8) NOT NULL, \n\tts FLOAT NOT NULL, \n\ttext TEXT NOT NULL, \n\tPRIMARY KEY (id)\n)',
    'CREATE INDEX IF NOT EXISTS ix_logs_action ON logs (run_name, action_name, id)',
    "CREATE TABLE IF NOT EXISTS runs (\n\tname VARCHAR(128) NOT NULL, \n\ttask_name VARCHAR(256) NOT NULL, \n\tphase VARCHAR(16) NOT NULL, \n\tmode VARCHAR(16) NOT NULL, \n\tcreated_at FLOAT NOT NULL, \n\tstarted_at FLOAT, \n\tended_at FLOAT, \n\tinputs TEXT, \n\toutputs TEXT, \n\terror TEXT, \n\taction_count INTEGER NOT NULL, \n\towner_host VARCHAR(256), \n\towner_pid INTEGER, \n\towner_started VARCHAR(64), \n\tenv_vars TEXT, \n\tproject VARCHAR(64) DEFAULT 'default' NOT NULL, \n\tdomain VARCHAR(64) DEFAULT 'development' NOT NULL, \n\tspec TEXT, \n\tPRIMARY KEY (name)\n)",
    'CREATE INDEX IF NOT EXISTS ix_runs_created_at ON runs (created_at)',
    'CREATE INDEX IF NOT EXISTS ix_runs_phase ON runs (phase)',
    'CREATE INDEX IF NOT EXISTS ix_runs_project_domain_created_at ON runs (project, domain, created_at)',
    'CREATE TABLE IF NOT EXISTS schedule_state (\n\tproject VARCHAR(64) NOT NULL, \n\tdomain VARCHAR(64) NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\tlast_fire_at FLOAT NOT NULL, \n\tPRIMARY KEY (project, domain, name)\n)',
    'CREATE TABLE IF NOT EXISTS signals (\n\trun_name VARCHAR(128) NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\taction_name VARCHAR(128) NOT NULL, \n\tkind VARCHAR(16) NOT NULL, \n\ttype VARCHAR(64) NOT NULL, \n\tstate VARCHAR(16) NOT NULL, \n\tvalue TEXT, \n\tcreated_at FLOAT NOT NULL, \n\tset_at FLOAT, \n\tset_by VARCHAR(256), \n\tPRIMARY KEY (run_name, name)\n)',
    'CREATE TABLE IF NOT EXISTS tasks (\n\tproject VARCHAR(64) NOT NULL, \n\tdomain VARCHAR(64) NOT NULL, \n\tname VARCHAR(256) NOT NULL, \n\tversion VARCHAR(128) NOT NULL, \n\tref TEXT NOT NULL, \n\tspec TEXT, \n\tinterface TEXT, \n\tcreated_at FLOAT NOT NULL, \n\tPRIMARY KEY (project, domain, name, version)\n)',
    'CREATE TABLE IF NOT EXISTS alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)',
)
UPSERT_RUN = 'INSERT INTO runs (name, task_name, phase, mode, created_at, started_at, ended_at, inputs, outputs, error, action_count, owner_host, owner_pid, owner_started, env_vars, project, domain, spec) VALUES (:name, :task_name, :phase, :mode, :created_at, :started_at, :ended_at, :inputs, :outputs, :error, :action_count, :owner_host, :owner_pid, :owner_started, :env_vars, :project, :domain, :spec) ON CONFLICT (name) DO UPDATE SET phase = excluded.phase, started_at = excluded.started_at, ended_at = excluded.ended_at, outputs = excluded.outputs, error = excluded.error, action_count = excluded.action_count'
ACTION_COLUMNS = (
    'run_name',
    'name',
    'parent',
    'seq',
    'task_name',
    'short_name',
    'group_name',
    'phase',
    'created_at',
    'started_at',
    'ended_at',
    'attempts',
    'cache_hit',
    'cache_key',
    'inputs',
    'outputs',
    'error',
    'transitions',
    'attempt_log',
    'spec',
)
UPSERT_ACTION = 'INSERT INTO actions (run_name, name, parent, seq, task_name, short_name, group_name, phase, created_at, started_at, ended_at, attempts, cache_hit, cache_key, inputs, outputs, error, transitions, attempt_log, spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_name, name) DO UPDATE SET phase = excluded.phase, started_at = excluded.started_at, ended_at = excluded.ended_at, attempts = excluded.attempts, cache_hit = excluded.cache_hit, cache_key = excluded.cache_key, outputs = excluded.outputs, error = excluded.error, transitions = excluded.transitions, attempt_log = excluded.attempt_log'
UPSERT_CACHE = 'INSERT INTO cache_entries ("key", task_name, version, outputs, run_name, action_name, created_at) VALUES (:key, :task_name, :version, :outputs, :run_name, :action_name, :created_at) ON CONFLICT ("key") DO UPDATE SET version = excluded.version, outputs = excluded.outputs, run_name = excluded.run_name, action_name = excluded.action_name, created_at = excluded.created_at'
UPSERT_DOC = 'INSERT INTO docs (run_name, action_name, attempt, kind, name, digest, size, updated_at) VALUES (:run_name, :action_name, :attempt, :kind, :name, :digest, :size, :updated_at) ON CONFLICT (run_name, action_name, attempt, kind, name) DO UPDATE SET digest = excluded.digest, size = excluded.size, updated_at = excluded.updated_at'
INSERT_LOG = 'INSERT INTO logs (run_name, action_name, attempt, stream, ts, text) VALUES (:run_name, :action_name, :attempt, :stream, :ts, :text)'
STAMP_VERSION = 'INSERT INTO alembic_version (version_num) VALUES (:version)'
GET_VERSION = 'SELECT alembic_version.version_num \nFROM alembic_version'
LIST_TABLES = "SELECT sqlite_master.name \nFROM sqlite_master \nWHERE sqlite_master.type = 'table'"
SELECT_CACHE_VERSION = 'SELECT cache_entries."key", cache_entries.outputs \nFROM cache_entries \nWHERE cache_entries.task_name = :task_name AND cache_entries.version = :version'
SELECT_RUN_NAME = 'SELECT runs.name \nFROM runs \nWHERE runs.name = :name'
SELECT_LIVE_RUNS = "SELECT runs.name, runs.owner_pid, runs.owner_started \nFROM runs \nWHERE runs.phase IN ('QUEUED', 'RUNNING') AND runs.owner_host = :host AND runs.mode = 'local'"
ABORT_RUN = "UPDATE runs SET phase='ABORTED', ended_at=:ended_at, error=:error WHERE runs.name = :name AND runs.phase IN ('QUEUED', 'RUNNING')"
ABORT_RUN_ACTIONS = "UPDATE actions SET phase='ABORTED', ended_at=:ended_at, error=:error WHERE actions.run_name = :name AND actions.phase IN ('QUEUED', 'RUNNING')"
