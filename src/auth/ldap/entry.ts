/** The provider's view of an LDAP entry: its DN and attributes keyed by lower-case name. Pure. */
export interface LdapEntry {
  dn: string;
  /** Lower-case attribute name -> raw values. */
  attributes: Map<string, Buffer[]>;
}

export function makeEntry(dn: string, attributes: Record<string, readonly (string | Buffer)[]>): LdapEntry {
  const map = new Map<string, Buffer[]>();
  for (const [name, values] of Object.entries(attributes)) {
    const key = name.toLowerCase();
    const list = map.get(key) ?? [];
    for (const value of values) list.push(typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
    map.set(key, list);
  }
  return { dn, attributes: map };
}

export function rawValues(entry: LdapEntry, attribute: string): Buffer[] {
  return entry.attributes.get(attribute.toLowerCase()) ?? [];
}

export function stringValues(entry: LdapEntry, attribute: string): string[] {
  if (attribute.toLowerCase() === 'dn') return [entry.dn];
  return rawValues(entry, attribute).map((value) => value.toString('utf8'));
}

/** The first value as text, or undefined when absent or empty. */
export function firstString(entry: LdapEntry, attribute: string): string | undefined {
  const value = stringValues(entry, attribute)[0];
  return value === undefined || value === '' ? undefined : value;
}
