/**
 * `[Server] Address` -> publicUrl, `[HTTPS]` -> listen (+ listen.tls), `[HTTPRedirect]` ->
 * listen.httpRedirectPort, `[HTTP] Listen` -> upstream.url (a hint: Connect's plain-HTTP
 * listener, which only authgate should reach).
 */
import type { GcfgValue } from './gcfg.ts';
import { put, type Collector } from './model.ts';
import { flag } from './convert-ldap.ts';
import { parseListen, type SectionReader } from './values.ts';

const CONNECT_DEFAULT_HTTP = 'http://127.0.0.1:3939';

export interface ServerSections {
  server?: SectionReader | undefined;
  https?: SectionReader | undefined;
  http?: SectionReader | undefined;
  httpRedirect?: SectionReader | undefined;
}

export interface ServerResult {
  listen: Record<string, unknown>;
  publicUrl: string | undefined;
  upstream: Record<string, unknown>;
}

export function convertServer(s: ServerSections, out: Collector): ServerResult {
  return { listen: listen(s, out), publicUrl: publicUrl(s.server, out), upstream: upstream(s.http, out) };
}

function publicUrl(r: SectionReader | undefined, out: Collector): string | undefined {
  const address = r?.last('Address');
  if (!r || !address || address.value.trim() === '') return undefined;
  const text = address.value.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    out.untranslated.push({ section: r.label, key: address.key, line: address.line, message: `"${text}" is not an absolute URL; set publicUrl by hand` });
    return undefined;
  }
  if (url.protocol === 'https:') {
    out.annotations.push({ path: ['publicUrl'], comment: `${r.label} Address, line ${address.line}`, placement: 'inline' });
    return text;
  }
  if (url.protocol === 'http:') {
    url.protocol = 'https:';
    const converted = url.toString().replace(/\/+$/, '');
    out.annotations.push({ path: ['publicUrl'], comment: `${r.label} Address, line ${address.line}, with https: authgate terminates TLS`, placement: 'inline' });
    out.notes.push(`${r.label} Address (line ${address.line}) was ${text}; authgate serves HTTPS, so publicUrl is ${converted}. Use the same URL for Connect's [Server] Address.`);
    return converted;
  }
  out.untranslated.push({ section: r.label, key: address.key, line: address.line, message: `"${text}" is not an http(s) URL; set publicUrl by hand` });
  return undefined;
}

function listen(s: ServerSections, out: Collector): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const base = ['listen'];
  const r = s.https;
  const address = r?.last('Listen');
  const at = address && address.value.trim() !== '' ? parseListen(address.value) : undefined;
  if (r && address && at) {
    put(out, result, base, 'address', at.host === '' ? '0.0.0.0' : at.host, [address], undefined, r.label);
    put(out, result, base, 'port', at.port, [address], undefined, r.label);
  } else {
    if (r && address && address.value.trim() !== '') badListen(r, address, out);
    result['address'] = '0.0.0.0';
    put(out, result, base, 'port', 8443, [], 'authgate\'s default');
  }
  if (r) {
    const tls = tlsSettings(r, out);
    if (tls) result['tls'] = tls;
  }
  if (!result['tls']) {
    out.notes.push('Connect had no [HTTPS] Certificate and Key: add listen.tls (certFile, keyFile), or authgate generates a self-signed certificate (demo only).');
  }
  const redirect = s.httpRedirect?.last('Listen');
  if (s.httpRedirect && redirect && redirect.value.trim() !== '') {
    const parsed = parseListen(redirect.value);
    if (parsed) put(out, result, base, 'httpRedirectPort', parsed.port, [redirect], undefined, s.httpRedirect.label);
    else badListen(s.httpRedirect, redirect, out);
  }
  for (const values of s.httpRedirect?.unused() ?? []) unsupported(s.httpRedirect as SectionReader, values, out);
  return result;
}

function tlsSettings(r: SectionReader, out: Collector): Record<string, unknown> | undefined {
  const base = ['listen', 'tls'];
  const tls: Record<string, unknown> = {};
  const cert = r.last('Certificate');
  const key = r.last('Key');
  if (cert && cert.value !== '') put(out, tls, base, 'certFile', cert.value, [cert], undefined, r.label);
  if (key && key.value !== '') put(out, tls, base, 'keyFile', key.value, [key], undefined, r.label);
  if ((tls['certFile'] === undefined) !== (tls['keyFile'] === undefined)) {
    const missing = tls['certFile'] === undefined ? 'Certificate' : 'Key';
    out.toFill.push({ section: r.label, key: missing, line: r.section.line, message: `is missing: fill in listen.tls.${missing === 'Key' ? 'keyFile' : 'certFile'}` });
  }
  const min = r.last('MinimumTLS');
  if (min && min.value !== '') {
    const version = min.value.trim().replace(/^TLSv?/i, '');
    if (version === '1.3') put(out, tls, base, 'minVersion', 'TLSv1.3', [min], undefined, r.label);
    else if (['1.0', '1.1', '1.2'].includes(version)) {
      put(out, tls, base, 'minVersion', 'TLSv1.2', [min], version === '1.2' ? undefined : `was ${version}: authgate never accepts TLS below 1.2`, r.label);
    } else out.untranslated.push({ section: r.label, key: min.key, line: min.line, message: `"${min.value}" is not a TLS version (1.2 or 1.3)` });
  }
  const permanent = flag(r, 'Permanent', out);
  if (permanent && !permanent.on) put(out, tls, base, 'hsts', '', [permanent.from], 'Connect sent no Strict-Transport-Security header', r.label);
  r.use('Listen');
  for (const values of r.unused()) unsupported(r, values, out);
  return tls['certFile'] === undefined && tls['keyFile'] === undefined ? undefined : tls;
}

function upstream(r: SectionReader | undefined, out: Collector): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const base = ['upstream'];
  const address = r?.last('Listen');
  const at = address && address.value.trim() !== '' ? parseListen(address.value) : undefined;
  if (r && address && at) {
    const wildcard = at.host === '' || at.host === '0.0.0.0' || at.host === '::';
    const host = wildcard ? '127.0.0.1' : at.host.includes(':') ? `[${at.host}]` : at.host;
    put(out, result, base, 'url', `http://${host}:${at.port}`, [address], 'Connect\'s plain-HTTP listener; change the host if authgate runs elsewhere', r.label);
  } else {
    if (r && address && address.value.trim() !== '') badListen(r, address, out);
    put(out, result, base, 'url', CONNECT_DEFAULT_HTTP, [], 'Connect\'s default HTTP listener; see the Connect-side settings');
  }
  result['profile'] = 'connect';
  put(out, result, base, 'passApiKeys', true, [], 'Connect API keys (rsconnect deployments) pass only where a rule with apiKeys: true admits them (connect-api-keys below); Connect checks each key');
  return result;
}

function badListen(r: SectionReader, value: GcfgValue, out: Collector): void {
  out.untranslated.push({ section: r.label, key: value.key, line: value.line, message: `"${value.value}" is not a listen address such as :443 or 0.0.0.0:443` });
}

function unsupported(r: SectionReader, values: GcfgValue[], out: Collector): void {
  const first = values[0] as GcfgValue;
  out.untranslated.push({ section: r.label, key: first.key, line: first.line, message: 'authgate has no equivalent setting for its TLS listener' });
}
