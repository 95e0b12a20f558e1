// `node dist/cli/print-flag-reference.js` prints the flag reference table (for `make docs`);
// with a README path it rewrites only the section between the flags markers in that file.

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { renderFlagReference, withFlagReference } from './flag-reference.js';

const target = process.argv[2];
if (target === undefined) {
  process.stdout.write(renderFlagReference());
} else {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
  writeFileSync(target, withFlagReference(current));
}
