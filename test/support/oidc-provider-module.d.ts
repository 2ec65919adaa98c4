/** oidc-provider ships no type declarations; the test helper uses this small, loose surface. */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface KoaContext {
    path: string;
    method: string;
    body: unknown;
    oidc?: { route?: string };
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: KoaContext, next: () => Promise<void>) => Promise<void>): void;
    on(event: string, listener: (...args: unknown[]) => void): void;
    RefreshToken: { find(value: string): Promise<{ destroy(): Promise<void> } | undefined> };
    Grant: { find(id: string): Promise<{ destroy(): Promise<void> } | undefined> };
  }
}
