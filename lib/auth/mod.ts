/**
 * Caller identity (`Principal`) and, with the auth issue, authentication and tool policies.
 */

export {
  anonymousPrincipal,
  type Caller,
  DEFAULT_SERVER,
  type Principal,
  type PrincipalKind,
  stdioPrincipal,
} from "./principal.ts";
