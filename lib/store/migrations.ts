/**
 * The ordered list of schema migrations, each with its SQL for both dialects.
 *
 * How to add one (any engineer): append an entry at the end with the next free id in your range,
 * written as `NNN_what` (ids sort as text, so keep three digits), with a `postgres` and a `sqlite`
 * script that create the same tables. Never edit or reorder an entry that has shipped: a store
 * records each applied id and runs only the ones it has not seen, in list order, each in its own
 * transaction. Ranges: 001–009 credential vault; 010–019 auth, policies and audit; 020–029 limits
 * and cache; 030–039 upstreams. Timestamps are epoch milliseconds (`bigint` / `INTEGER`) in both dialects.
 */

/** One schema change, as the same tables in both dialects. */
export interface Migration {
  /** `NNN_name`; applied ids are recorded in `schema_migrations`. */
  readonly id: string;
  /** The SQL for PostgreSQL (one or more statements), run in the store's schema. */
  readonly postgres: string;
  /** The SQL for the embedded SQLite file (one or more statements), creating the same tables. */
  readonly sqlite: string;
}

/** Every migration, in the order they apply. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: "001_credentials",
    postgres: `
      CREATE TABLE credentials (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        active_version integer NOT NULL,
        rotate_every_ms bigint,
        grace_ms bigint NOT NULL,
        created_at bigint NOT NULL,
        created_by text NOT NULL,
        updated_at bigint NOT NULL,
        updated_by text NOT NULL
      );
      CREATE TABLE credential_versions (
        credential_id text NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
        version integer NOT NULL,
        kind text NOT NULL,
        config text NOT NULL,
        sealed bytea NOT NULL,
        kek_version integer NOT NULL,
        created_at bigint NOT NULL,
        created_by text NOT NULL,
        retired_at bigint,
        PRIMARY KEY (credential_id, version)
      );
      CREATE INDEX credential_versions_kek ON credential_versions (kek_version);
      CREATE TABLE credential_state (
        credential_id text PRIMARY KEY REFERENCES credentials (id) ON DELETE CASCADE,
        credential_version integer NOT NULL,
        state_version bigint NOT NULL,
        sealed bytea,
        kek_version integer,
        updated_at bigint NOT NULL,
        lease_owner text,
        lease_until bigint
      );
      CREATE TABLE credential_events (
        id bigserial PRIMARY KEY,
        credential_id text NOT NULL,
        credential_name text NOT NULL,
        action text NOT NULL,
        version integer,
        actor text NOT NULL,
        at bigint NOT NULL
      );
      CREATE INDEX credential_events_name ON credential_events (credential_name, at);
    `,
    sqlite: `
      CREATE TABLE credentials (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        active_version INTEGER NOT NULL,
        rotate_every_ms INTEGER,
        grace_ms INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;
      CREATE TABLE credential_versions (
        credential_id TEXT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        kind TEXT NOT NULL,
        config TEXT NOT NULL,
        sealed BLOB NOT NULL,
        kek_version INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        retired_at INTEGER,
        PRIMARY KEY (credential_id, version)
      ) STRICT;
      CREATE INDEX credential_versions_kek ON credential_versions (kek_version);
      CREATE TABLE credential_state (
        credential_id TEXT PRIMARY KEY REFERENCES credentials (id) ON DELETE CASCADE,
        credential_version INTEGER NOT NULL,
        state_version INTEGER NOT NULL,
        sealed BLOB,
        kek_version INTEGER,
        updated_at INTEGER NOT NULL,
        lease_owner TEXT,
        lease_until INTEGER
      ) STRICT;
      CREATE TABLE credential_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        credential_id TEXT NOT NULL,
        credential_name TEXT NOT NULL,
        action TEXT NOT NULL,
        version INTEGER,
        actor TEXT NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX credential_events_name ON credential_events (credential_name, at);
    `,
  },
  {
    // Sealed format 2 binds each blob to its credential's name and settings. Rows from before are
    // format 1; the vault re-seals them (online, with the master key) when the gateway starts and
    // on `nexus migrate`, and the column says which rows are left.
    id: "002_credential_seal_format",
    postgres: `
      ALTER TABLE credential_versions ADD COLUMN seal_format integer NOT NULL DEFAULT 1;
      ALTER TABLE credential_state ADD COLUMN seal_format integer;
      UPDATE credential_state SET seal_format = 1 WHERE sealed IS NOT NULL;
      CREATE INDEX credential_versions_format ON credential_versions (seal_format);
    `,
    sqlite: `
      ALTER TABLE credential_versions ADD COLUMN seal_format INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE credential_state ADD COLUMN seal_format INTEGER;
      UPDATE credential_state SET seal_format = 1 WHERE sealed IS NOT NULL;
      CREATE INDEX credential_versions_format ON credential_versions (seal_format);
    `,
  },
  // 010–019: auth, policies and audit add their migrations here, below this line.
  {
    id: "010_api_keys",
    postgres: `
      CREATE TABLE api_keys (
        key_id text PRIMARY KEY,
        name text NOT NULL,
        scope text NOT NULL,
        hash text NOT NULL,
        tools text NOT NULL,
        groups text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint,
        revoked_at bigint
      );
      CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;
    `,
    sqlite: `
      CREATE TABLE api_keys (
        key_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        hash TEXT NOT NULL,
        tools TEXT NOT NULL,
        groups TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER
      ) STRICT;
      CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;
    `,
  },
  {
    id: "011_audit_log",
    postgres: `
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at bigint NOT NULL,
        request_id text NOT NULL,
        client_id text NOT NULL,
        client_name text NOT NULL,
        client_kind text NOT NULL,
        server text NOT NULL,
        tool text NOT NULL,
        args_hash text NOT NULL,
        args text,
        outcome text NOT NULL,
        error_code text,
        duration_ms double precision NOT NULL,
        backend_status integer,
        cache_hit boolean,
        coalesced boolean,
        credential_name text,
        credential_version integer
      );
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE INDEX audit_log_client ON audit_log (client_name, at);
      CREATE INDEX audit_log_tool ON audit_log (tool, at);
    `,
    sqlite: `
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        request_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        client_name TEXT NOT NULL,
        client_kind TEXT NOT NULL,
        server TEXT NOT NULL,
        tool TEXT NOT NULL,
        args_hash TEXT NOT NULL,
        args TEXT,
        outcome TEXT NOT NULL,
        error_code TEXT,
        duration_ms REAL NOT NULL,
        backend_status INTEGER,
        cache_hit INTEGER,
        coalesced INTEGER,
        credential_name TEXT,
        credential_version INTEGER
      ) STRICT;
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE INDEX audit_log_client ON audit_log (client_name, at);
      CREATE INDEX audit_log_tool ON audit_log (tool, at);
    `,
  },
  {
    id: "030_tool_pins",
    postgres: `
      CREATE TABLE tool_pins (
        upstream text NOT NULL,
        tool text NOT NULL,
        hash text NOT NULL,
        definition text NOT NULL,
        approved_at bigint NOT NULL,
        approved_by text NOT NULL,
        PRIMARY KEY (upstream, tool)
      );
    `,
    sqlite: `
      CREATE TABLE tool_pins (
        upstream TEXT NOT NULL,
        tool TEXT NOT NULL,
        hash TEXT NOT NULL,
        definition TEXT NOT NULL,
        approved_at INTEGER NOT NULL,
        approved_by TEXT NOT NULL,
        PRIMARY KEY (upstream, tool)
      ) STRICT;
    `,
  },
];
