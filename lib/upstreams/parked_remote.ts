/**
 * Parked calls across gateway instances, as the relays see it (types only). A 2026-07-28
 * client's retry of a call a 2025 upstream parked (`pending_requests.ts`) may land on any
 * instance; the instance holding the call resumes it for the instance the retry reached, which
 * answers its client. The Redis pub/sub implementation is `lib/gateway/parked_peers.ts` (this
 * folder may not import it); without Redis there is none, and parked calls stay on their instance.
 */

import type { DownstreamCall } from "../registry/types.ts";

/** Which parked call a retry resumes, as it travels to the instance holding it. */
export interface RemoteResume {
  /** The upstream's name (its relay holds the call). */
  upstream: string;
  /** The parked call's id (from the client's `requestState`). */
  id: string;
  /** The tool (or `prompts/get NAME`) the retry is for; checked against the parked call. */
  tool: string;
  /** The upstream's timeout: how long the holder keeps the resumed call going without news. */
  timeoutMs: number;
}

/** Resumes a parked call of this instance for a retry made elsewhere; `downstream` stands in. */
export type ResumeHere = (
  request: RemoteResume,
  downstream: DownstreamCall,
  signal: AbortSignal,
) => Promise<unknown>;

/** This instance's link to the others for parked calls. */
export interface ParkedPeers {
  /** This instance's id, named in every parked `requestState` it issues. */
  readonly instance: string;
  /**
   * Resumes parked call `request.id` held by instance `holder`: the holder's progress and log
   * messages reach `downstream`, and its outcome (result, a new `input_required`, or error) is
   * returned or thrown here. Aborting `signal` cancels it on the holder.
   * @throws GatewayError INVALID_PARAMS (no such call for this principal and tool, or its instance
   *   is gone), UPSTREAM_UNAVAILABLE (Redis fault), UPSTREAM_TIMEOUT, or what the resumed call
   *   raised on the holder (its upstream's error relayed as it was).
   */
  resume(
    holder: string,
    request: RemoteResume,
    downstream: DownstreamCall,
    signal: AbortSignal,
  ): Promise<unknown>;
  /**
   * Serves other instances' retries of upstream `upstream`'s parked calls with `resume`, until
   * the returned stop is called (a later `serve` for the same upstream replaces it).
   */
  serve(upstream: string, resume: ResumeHere): () => void;
}
