// Why this file: mysql2's own typings reference @types/node, whose global `CryptoKey` clashes
// with Deno's (the type check of lib/auth then fails). These are the few parts we use.

/** One connection borrowed from the pool. */
export interface PoolConnection {
  query(sql: string): Promise<[unknown, unknown]>;
  release(): void;
  destroy(): void;
  /** The callback connection underneath; its `execute` streams rows as events. */
  readonly connection: unknown;
}

/** A pool of connections. */
export interface Pool {
  getConnection(): Promise<PoolConnection>;
  end(): Promise<void>;
  /** The callback pool underneath (emits `connection` for each new connection). */
  readonly pool: {
    on(event: "connection", listener: (connection: { query(sql: string): unknown }) => void): void;
  };
}

/** The pool options we set. */
export interface PoolOptions {
  uri: string;
  connectionLimit: number;
  maxIdle: number;
  idleTimeout: number;
  connectTimeout: number;
  supportBigNumbers: boolean;
  bigNumberStrings: boolean;
  decimalNumbers: boolean;
  dateStrings: boolean;
  multipleStatements: boolean;
}

/** Opens a pool; connections are made on first use. */
export declare function createPool(options: PoolOptions): Pool;
