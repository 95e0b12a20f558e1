// Reads the part of an append-only log (the apiserver audit log, the CSI mock driver's log, a
// sidecar's log) written between two byte offsets, so one phase of a run is counted on its own.
// A trailing partial line (a write still in progress at the end offset) is dropped.
import fs from 'node:fs';

/** The current size of a file, 0 when it does not exist yet. */
export function fileOffset(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Complete lines written in [from, to) (to defaults to the current end). */
export function readLines(file: string, from: number, to?: number): readonly string[] {
  return readNewLines(file, from, to).lines;
}

/** Complete non-empty lines from `from`, and the offset just past the last newline (where to resume). */
export function readNewLines(file: string, from: number, to?: number): { readonly lines: readonly string[]; readonly next: number } {
  const end = to ?? fileOffset(file);
  if (end <= from) return { lines: [], next: from };
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(end - from);
    let read = 0;
    while (read < buf.length) {
      const n = fs.readSync(fd, buf, read, buf.length - read, from + read);
      if (n === 0) break;
      read += n;
    }
    const lastNl = buf.subarray(0, read).lastIndexOf(0x0a);
    if (lastNl < 0) return { lines: [], next: from };
    const text = buf.subarray(0, lastNl).toString('utf8');
    return { lines: text.split('\n').filter((l) => l !== ''), next: from + lastNl + 1 };
  } finally {
    fs.closeSync(fd);
  }
}
