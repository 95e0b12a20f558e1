// Lets Node (24, native type stripping) run the world's .ts files directly: our sources import
// siblings as `./x.js` (tsconfig's nodenext convention); this resolve hook retries such a relative
// specifier as `./x.ts` when the .js file does not exist. Load with `node --import`.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      const relative = specifier.startsWith('./') || specifier.startsWith('../');
      if (!relative || !specifier.endsWith('.js')) throw err;
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
  },
});
