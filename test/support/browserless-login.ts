/**
 * Drives an authorization request without a browser: follows redirects with undici (a
 * cookie jar by hand), fills and posts whatever forms the provider shows (login, consent),
 * and stops at the redirect back to the relying party, returning that callback URL.
 */
import { Agent, fetch } from 'undici';

export interface BrowserlessLoginOptions {
  /** Login name typed into the provider's form (the test provider uses the user's sub). */
  login: string;
  password?: string;
  /** CA that signed the provider's certificate. */
  caPem: string;
  /** Stop when redirected to a URL starting with this (the relying party's callback). */
  redirectUri: string;
  /** Cookies kept across calls, to test a provider-side session (SSO without a login form). */
  jar?: Map<string, string>;
}

const MAX_STEPS = 20;

function decodeHtml(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#x2F;/gi, '/').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag);
  return match ? decodeHtml(match[1] as string) : undefined;
}

/** The first form in the page: its action and its fields, with login and password filled in. */
function fillForm(html: string, base: string, options: BrowserlessLoginOptions): { action: string; body: URLSearchParams } {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`browserless login: no form in the provider's page:\n${html.slice(0, 500)}`);
  const action = new URL(attribute(form[0].slice(0, form[0].indexOf('>') + 1), 'action') ?? base, base).href;
  const body = new URLSearchParams();
  for (const tag of (form[1] as string).match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(tag, 'name');
    if (!name) continue;
    if (name === 'login') body.set(name, options.login);
    else if (name === 'password') body.set(name, options.password ?? 'any-password');
    else body.set(name, attribute(tag, 'value') ?? '');
  }
  return { action, body };
}

export async function browserlessLogin(authorizationUrl: string, options: BrowserlessLoginOptions): Promise<URL> {
  const dispatcher = new Agent({ connect: { ca: options.caPem } });
  const jar = options.jar ?? new Map<string, string>();
  let url = authorizationUrl;
  let init: { method: string; body?: URLSearchParams } = { method: 'GET' };
  try {
    for (let step = 0; step < MAX_STEPS; step++) {
      if (url.startsWith(options.redirectUri)) return new URL(url);
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const response = await fetch(url, {
        method: init.method,
        body: init.body,
        redirect: 'manual',
        dispatcher,
        headers: { ...(cookie ? { cookie } : {}), accept: 'text/html' },
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const eq = (pair ?? '').indexOf('=');
        if (eq > 0) jar.set((pair as string).slice(0, eq).trim(), (pair as string).slice(eq + 1).trim());
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        url = new URL(location, url).href;
        init = { method: 'GET' };
        continue;
      }
      const html = await response.text();
      if (response.status !== 200) throw new Error(`browserless login: ${init.method} ${url} answered ${response.status}: ${html.slice(0, 300)}`);
      const form = fillForm(html, url, options);
      url = form.action;
      init = { method: 'POST', body: form.body };
    }
    throw new Error(`browserless login: no redirect to ${options.redirectUri} after ${MAX_STEPS} steps`);
  } finally {
    await dispatcher.close();
  }
}
