/**
 * Binary unique ids. AD's objectGUID is 16 bytes whose first three fields are little-endian
 * (Microsoft's GUID layout); its standard text form swaps them back. Pure.
 */

/** 16 bytes -> `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (lower case), or undefined if not 16 bytes. */
export function guidToString(bytes: Uint8Array): string | undefined {
  if (bytes.length !== 16) return undefined;
  const hex = (from: number, to: number, reverse: boolean): string => {
    const slice = Array.from(bytes.subarray(from, to));
    if (reverse) slice.reverse();
    return slice.map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** Attributes whose values are binary GUIDs (compared case-insensitively). */
const GUID_ATTRIBUTES = new Set(['objectguid', 'msds-consistencyguid']);

export function isGuidAttribute(name: string): boolean {
  return GUID_ATTRIBUTES.has(name.toLowerCase());
}

/** Case variants the client asks to receive as raw bytes (servers answer in their own case). */
export const BINARY_ATTRIBUTE_SPELLINGS = ['objectGUID', 'objectSid', 'mS-DS-ConsistencyGuid', 'msDS-ConsistencyGuid'];
