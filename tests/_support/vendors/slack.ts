/**
 * A Slack Web API stand-in, from the public method reference (api.slack.com/methods): bearer
 * tokens (a bot token, and a user token for `search.messages`), `chat.postMessage` (JSON body),
 * `conversations.list` and `conversations.history` with cursor pagination
 * (`response_metadata.next_cursor`, `""` on the last page), `search.messages`; every error is
 * HTTP 200 with `{ ok: false, error }`; rate limits are HTTP 429 with `Retry-After`.
 */

import { json, queryOf, type Recorded, type StandIn, startStandIn } from "./stand_in.ts";

/** The tokens the stand-in accepts. */
export const SLACK_TOKENS = { bot: "xoxb-1111-2222-bot-token", user: "xoxp-1111-3333-user-token" };

/** Starts the stand-in; `channelPages` is how many pages `conversations.list` has. */
export function startSlack(options: { channelPages?: number } = {}): StandIn {
  return startStandIn((request) => {
    const token = request.headers.get("authorization")?.replace(/^Bearer /, "");
    if (token !== SLACK_TOKENS.bot && token !== SLACK_TOKENS.user) {
      return json(200, { ok: false, error: "invalid_auth" });
    }
    switch (request.path) {
      case "/chat.postMessage":
        return postMessage(request);
      case "/conversations.list":
        return listChannels(request, options.channelPages ?? 3);
      case "/conversations.history":
        return history(request);
      case "/search.messages":
        return token === SLACK_TOKENS.user
          ? search(request)
          : json(200, { ok: false, error: "not_allowed_token_type" });
      default:
        return json(200, { ok: false, error: "unknown_method" });
    }
  });
}

function postMessage(request: Recorded): Response {
  const body = request.body as { channel?: string; text?: string } | null;
  if (body?.channel === "C0000000404") return json(200, { ok: false, error: "channel_not_found" });
  if (body?.channel === "C0000000429") {
    return json(429, { ok: false, error: "ratelimited" }, { "retry-after": "30" });
  }
  return json(200, {
    ok: true,
    channel: body?.channel,
    ts: "1733353200.000100",
    message: { type: "message", text: body?.text, user: "U0BOT0001", bot_id: "B0BOT0001" },
    warning: "missing_charset",
    response_metadata: { warnings: [] },
  });
}

function listChannels(request: Recorded, pages: number): Response {
  const cursor = queryOf(request).cursor;
  const page = cursor === undefined ? 1 : Number(/^dGVhbTpD-(\d+)$/.exec(cursor)?.[1] ?? NaN);
  if (!Number.isInteger(page)) return json(200, { ok: false, error: "invalid_cursor" });
  const channels = [1, 2].map((n) => ({
    id: `C00000${page}${n}000`,
    name: `team-${page}-${n}`,
    is_channel: true,
    is_private: n === 2,
    is_archived: false,
    topic: { value: `Topic ${page}.${n}`, creator: "U1", last_set: 0 },
    purpose: { value: "", creator: "", last_set: 0 },
    num_members: 10 * page + n,
  }));
  const next = page < pages ? `dGVhbTpD-${page + 1}` : "";
  return json(200, { ok: true, channels, response_metadata: { next_cursor: next } });
}

function history(request: Recorded): Response {
  const query = queryOf(request);
  if (query.channel === "C0000000404") return json(200, { ok: false, error: "channel_not_found" });
  const messages = [
    { type: "message", user: "U0ADA0001", text: "Deploy done", ts: "1733353100.000200" },
    { type: "message", user: "U0ALAN001", text: "Thanks!", ts: "1733353000.000100" },
  ];
  return json(200, {
    ok: true,
    messages,
    has_more: false,
    pin_count: 0,
    response_metadata: { next_cursor: "" },
  });
}

function search(request: Recorded): Response {
  const query = queryOf(request);
  return json(200, {
    ok: true,
    query: query.query,
    messages: {
      total: 1,
      matches: [{
        channel: { id: "C0000011000", name: "team-1-1" },
        username: "ada",
        user: "U0ADA0001",
        text: "Deploy done",
        ts: "1733353100.000200",
        permalink: "https://acme.slack.com/archives/C0000011000/p1733353100000200",
        iid: "d0e0f0",
        team: "T0000001",
      }],
      pagination: { total_count: 1, page: 1, per_page: 20, page_count: 1, first: 1, last: 1 },
      paging: { count: 20, total: 1, page: 1, pages: 1 },
    },
  });
}
