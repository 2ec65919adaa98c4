/**
 * Which Host a request may carry, and which Host the upstream receives. The upstream builds
 * absolute links (redirects, OAuth callbacks, "share" URLs) from Host or X-Forwarded-Host, so a
 * client-chosen Host would poison them: requests are refused unless their Host is the public one
 * (publicUrl's host, with or without its default port) or listed in network.allowedHosts, and the
 * upstream always receives the public host. Pure.
 */

export interface AcceptedHosts {
  /** publicUrl's host as browsers send it (`rstudio.example.com`, `localhost:8443`). */
  readonly publicHost: string;
  accepts(host: string | undefined): boolean;
}

const DEFAULT_PORTS: Record<string, string> = { 'https:': '443', 'http:': '80' };

export function acceptedHosts(publicUrl: URL, extra: readonly string[]): AcceptedHosts {
  const publicHost = publicUrl.host.toLowerCase();
  const accepted = new Set([publicHost, ...extra.map((h) => h.toLowerCase())]);
  const defaultPort = DEFAULT_PORTS[publicUrl.protocol];
  // URL.host omits a default port; a client may still write it (`Host: rstudio.example.com:443`).
  if (publicUrl.port === '' && defaultPort) accepted.add(`${publicHost}:${defaultPort}`);
  return {
    publicHost,
    accepts(host) {
      if (host === undefined) return false;
      return accepted.has(host) || accepted.has(host.toLowerCase());
    },
  };
}

/** A network.allowedHosts entry: a host name or IP literal with an optional port, nothing else. Returns why not, or undefined. */
export function hostEntryProblem(entry: string): string | undefined {
  if (/[/?#@\s\\]/.test(entry) || entry === '') return 'must be a host name or IP address with an optional :port, such as authgate.internal:8443';
  try {
    // The URL parser refuses a port outside 0-65535 and anything that is not a host.
    if (new URL(`https://${entry}`).hostname === '') return 'has no host name';
  } catch {
    return 'must be a host name or IP address with an optional :port, such as authgate.internal:8443';
  }
  return undefined;
}
