// What `npm ci` checks before it installs, done offline on the committed lock: every dependency
// edge of every locked package (optional ones included, whatever their os/cpu) resolves to a
// lock entry by Node's lookup. npm 11's `npm ci` compares the lock with an ideal tree built
// from scratch, which holds every platform's optional packages; a lock written by `npm install`
// over an existing node_modules drops the other platforms' ones (npm/cli#4828) and `npm ci`
// then refuses it with "Missing: … from lock file". Also finds the npm commands the Makefile
// and the Dockerfile install with, so a fallback to `npm install` cannot creep back.
export interface LockPackage {
  readonly version?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

export interface Lock {
  readonly packages: Readonly<Record<string, LockPackage>>;
}

/** The lock key a dependency `name` of the package at `from` resolves to, or undefined. */
function resolveIn(lock: Lock, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock.packages[key] !== undefined) return key;
    if (dir === '') return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

/** `<package> -> <dependency>@<range>` for every edge with no lock entry (peers excepted). */
export function missingFromLock(lock: Lock): readonly string[] {
  const missing: string[] = [];
  for (const [key, pkg] of Object.entries(lock.packages)) {
    // Links' targets are entries of their own; the root's own edges are listed on ''.
    const edges = { ...(pkg.dependencies ?? {}), ...(pkg.optionalDependencies ?? {}) };
    for (const [name, range] of Object.entries(edges)) {
      if (resolveIn(lock, key, name) === undefined) missing.push(`${key || '(root)'} -> ${name}@${range}`);
    }
  }
  return missing;
}

/** Every shell command (split at `&&`, `||`, `;`) in `text` that runs npm. */
export function npmCommands(text: string): readonly string[] {
  return text
    .split(/&&|\|\||;|\n/)
    .map((c) => c.replace(/^[\s({]+|[\s)}]+$/g, '').replace(/^RUN\s+/, '').trim())
    .filter((c) => /^npm\s/.test(c));
}
