// node:http and node:https, loaded with require() instead of an ES `import`. Importing a built-in
// as an ES module builds its ES facade, which reads every export once, and node:http's exports
// include lazy getters (WebSocket, EventSource, …) that load Node's bundled undici on first read:
// measured ~9 MB more RSS and ~35 ms more start-up CPU for nothing we use. require() hands back
// the CommonJS object and leaves those getters unread. Types still come from `import type`.
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

export const http: typeof import('node:http') = requireBuiltin('node:http') as typeof import('node:http');
export const https: typeof import('node:https') = requireBuiltin('node:https') as typeof import('node:https');
