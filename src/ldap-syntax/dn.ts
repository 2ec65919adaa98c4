/**
 * Distinguished names (RFC 4514): escaping values put into DNs, and comparing DNs the way
 * directories do (attribute types and values case-insensitively, spacing normalised). Pure.
 */

/** Escapes a value for use inside an RDN (`cn=<value>,ou=Users,...`). */
export function escapeDnValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i += 1) {
    const char = value[i] as string;
    if (char === '\0') out += '\\00';
    else if (',+"\\<>;='.includes(char)) out += `\\${char}`;
    else if ((char === ' ' || char === '#') && i === 0) out += `\\${char}`;
    else if (char === ' ' && i === value.length - 1) out += '\\ ';
    else out += char;
  }
  return out;
}

export interface Ava {
  type: string;
  value: string;
}

/** Splits a DN into RDNs, each a list of attribute-value pairs with escapes decoded; undefined if malformed. */
export function parseDn(dn: string): Ava[][] | undefined {
  const rdns: Ava[][] = [];
  let rdn: Ava[] = [];
  let i = 0;
  const text = dn.trim();
  if (text === '') return [];
  while (i <= text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) return undefined;
    const type = text.slice(i, eq).trim().toLowerCase();
    if (!/^(?:[a-z][a-z0-9-]*|\d+(?:\.\d+)*)$/.test(type)) return undefined;
    const bytes: number[] = [];
    let j = eq + 1;
    let trailingSpaces = 0;
    while (j < text.length && text[j] === ' ') j += 1;
    for (; j < text.length; j += 1) {
      const char = text[j] as string;
      if (char === ',' || char === '+' || char === ';') break;
      if (char === '\\') {
        const hex = text.slice(j + 1, j + 3);
        if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(Number.parseInt(hex, 16));
          j += 2;
        } else if (j + 1 < text.length) {
          bytes.push(...Buffer.from(text[j + 1] as string, 'utf8'));
          j += 1;
        } else return undefined;
        trailingSpaces = 0;
      } else {
        bytes.push(...Buffer.from(char, 'utf8'));
        trailingSpaces = char === ' ' ? trailingSpaces + 1 : 0;
      }
    }
    const value = Buffer.from(bytes.slice(0, bytes.length - trailingSpaces)).toString('utf8');
    rdn.push({ type, value });
    if (j >= text.length || text[j] !== '+') {
      rdns.push(rdn);
      rdn = [];
    }
    i = j + 1;
    if (j >= text.length) break;
  }
  return rdns;
}

/** A canonical form for comparison: lower-case, no insignificant spaces, multi-valued RDNs sorted. */
export function normaliseDn(dn: string): string {
  const rdns = parseDn(dn);
  if (!rdns) return dn.trim().toLowerCase().replace(/\s*([,=+])\s*/g, '$1');
  return rdns
    .map((rdn) =>
      rdn
        .map((ava) => `${ava.type}=${escapeDnValue(ava.value.toLowerCase().replace(/\s+/g, ' '))}`)
        .sort()
        .join('+'),
    )
    .join(',');
}

/** Whether `dn` is `base` or lies below it. */
export function isWithin(dn: string, base: string): boolean {
  const child = normaliseDn(dn);
  const parent = normaliseDn(base);
  return parent === '' || child === parent || child.endsWith(`,${parent}`);
}

/** The value of the first RDN (`Engineering` for `CN=Engineering,OU=Groups,...`). */
export function firstRdnValue(dn: string): string | undefined {
  return parseDn(dn)?.[0]?.[0]?.value;
}

/** Whether the text parses as a non-empty DN. */
export function looksLikeDn(text: string): boolean {
  const parsed = parseDn(text);
  return parsed !== undefined && parsed.length > 0;
}
