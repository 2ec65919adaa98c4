/** What the pipeline knows about a request before any stage judged it, shared with the reserved routes. */
import type { ClientAddress } from '../net/index.ts';

export interface RequestContext {
  requestId: string;
  client: ClientAddress;
  started: number;
  /** Set when the rules judged the request as an API key (no session), for the access log and audit. */
  principal?: 'api-key';
}
