/**
 * Step-by-step reporting of what the provider does: `ldap-test` prints it, `logging: true`
 * sends it to the debug log. Messages never contain passwords.
 */
type TraceStep =
  | 'server' | 'bind' | 'search' | 'filter' | 'entry' | 'attributes' | 'account'
  | 'groups' | 'nested-groups' | 'permitted' | 'role' | 'result';

export interface TraceEvent {
  step: TraceStep | string;
  ok: boolean;
  message: string;
  data?: Record<string, unknown>;
}

export type Trace = (event: TraceEvent) => void;

/** Calls every trace given (either may be absent). */
export function combineTraces(...traces: (Trace | undefined)[]): Trace | undefined {
  const present = traces.filter((t): t is Trace => t !== undefined);
  if (present.length === 0) return undefined;
  return (event) => {
    for (const trace of present) trace(event);
  };
}
