/**
 * Tests that start a process as another user (nobody, the image's uid) need the Node binary and
 * the project reachable by that user. A checkout inside a private directory (mktemp -d makes
 * 0700 directories) is not: this adds the search bit (o+x, never read) to every ancestor
 * directory of the given paths that lacks it, and restores the old modes when the test ends.
 */
import { chmodSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';

export function letOthersTraverse(t: Test, ...targets: string[]): void {
  const changed: Array<[string, number]> = [];
  for (const target of targets) {
    let dir = path.dirname(path.resolve(target));
    const ancestors: string[] = [];
    for (;;) {
      ancestors.unshift(dir);
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    for (const ancestor of ancestors) {
      const mode = statSync(ancestor).mode & 0o7777;
      if ((mode & 0o001) === 0 && !changed.some(([p]) => p === ancestor)) {
        chmodSync(ancestor, mode | 0o001);
        changed.push([ancestor, mode]);
      }
    }
  }
  t.teardown(() => {
    for (const [dir, mode] of changed.reverse()) chmodSync(dir, mode);
  });
}
