/**
 * Every file named anywhere in the configuration (`certFile`, `bindPasswordFile`,
 * `tlsCACertificate`, …) must be readable. This pass runs on the raw document, so a missing
 * file is reported beside schema mistakes rather than after they are fixed.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { issue, type ConfigIssue } from './issues.ts';

const FILE_KEY = /File$|^tlsCACertificate$/;

export function fileKeyIssues(input: unknown, resolvePath: (file: string) => string): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const walk = (value: unknown, path: PropertyKey[]) => {
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if (FILE_KEY.test(key) && typeof child === 'string' && child !== '') {
          const problem = unreadable(resolvePath(child));
          if (problem) out.push(issue([...path, key], `"${child}" ${problem}`));
        } else walk(child, [...path, key]);
      }
    }
  };
  walk(input, []);
  return out;
}

function unreadable(file: string): string | undefined {
  try {
    if (statSync(file).isDirectory()) return 'is a directory; give the path of a file';
    accessSync(file, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `does not exist (looked at ${file})` : code === 'EACCES' ? 'is not readable by this user' : `cannot be read (${code})`;
  }
}
