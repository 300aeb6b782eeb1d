/**
 * The console's static files, imported as text so `deno compile` embeds them in the binary like
 * any module (no `--include` path to read at run time, no file permission needed, nothing fetched).
 * `dist/` is built from `ui/` by `deno task console-build` and committed (see `README.md` there).
 */

import appJs from "./dist/app.js" with { type: "text" };
import appCss from "./dist/app.css" with { type: "text" };
import indexHtml from "./ui/index.html" with { type: "text" };

/** One static file of the console. */
export interface ConsoleAsset {
  /** The file's text. */
  body: string;
  /** Its `Content-Type`. */
  type: string;
}

/** The console's files by path under `/console` (`/` is the page). */
export const CONSOLE_ASSETS: Readonly<Record<string, ConsoleAsset>> = {
  "/": { body: indexHtml, type: "text/html; charset=utf-8" },
  "/app.js": { body: appJs, type: "text/javascript; charset=utf-8" },
  "/app.css": { body: appCss, type: "text/css; charset=utf-8" },
};
