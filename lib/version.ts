/** The gateway's version, reported by `--version`, `serverInfo` and `/healthz`. */
export const VERSION = "0.1.0";

/** The gateway's implementation name in MCP `serverInfo`. */
export const SERVER_NAME = "nexus";
