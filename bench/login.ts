/**
 * Logging in through authgate's real login form (CSRF cookie and token from the page, then the
 * POST), for the session cookie of the authenticated arm and for the logins/s measurement.
 */
import { Agent, request } from 'undici';

export interface LoginForm {
  csrfCookie: string;
  token: string;
}

function setCookies(headers: Record<string, string | string[] | undefined>): string[] {
  const raw = headers['set-cookie'];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

/** The CSRF cookie and token of one login page; both stay valid for repeated POSTs (one hour). */
export async function loginForm(base: string, agent: Agent): Promise<LoginForm> {
  const page = await request(`${base}/__authgate__/login`, { dispatcher: agent, headers: { accept: 'text/html' } });
  const body = await page.body.text();
  const csrfCookie = setCookies(page.headers).map((c) => c.split(';', 1)[0] as string).find((c) => c.startsWith('__Host-authgate-csrf=')) ?? '';
  const token = /name="csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
  if (!csrfCookie || !token) throw new Error(`login page at ${base} gave no CSRF cookie/token (status ${page.statusCode})`);
  return { csrfCookie, token };
}

/** One form login; resolves to the session cookie pair (`__Host-authgate=…`) or throws with the status. */
export async function loginOnce(base: string, agent: Agent, form: LoginForm, provider: string, username: string, password: string): Promise<string> {
  const body = new URLSearchParams({ provider, username, password, csrf: form.token, rd: '/' }).toString();
  const answer = await request(`${base}/__authgate__/login`, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: form.csrfCookie, origin: new URL(base).origin },
    body,
  });
  await answer.body.dump();
  const session = setCookies(answer.headers)
    .map((c) => c.split(';', 1)[0] as string)
    .find((c) => c.startsWith('__Host-authgate=') && c.length > '__Host-authgate='.length);
  if (answer.statusCode !== 302 || !session) throw new Error(`login as ${username} via ${provider} answered ${answer.statusCode}`);
  return session;
}
