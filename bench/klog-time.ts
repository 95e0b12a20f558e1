// Wall-clock time of a klog line (`I1123 15:04:55.372024 pid file:line] msg`). Both sidecars log
// in this format, so "process start → caches synced" is read from the line's own timestamp rather
// than from when the bench happened to poll the file.

const HEADER = /^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})\s/;

/** Epoch ms of the line in local time (klog's zone), with the year of `reference`; undefined if not klog. */
export function klogTimeMs(line: string, reference: Date = new Date()): number | undefined {
  const m = HEADER.exec(line);
  if (!m) return undefined;
  const [, mo, d, h, mi, s, us] = m.map(Number);
  if (mo === undefined || d === undefined || h === undefined || mi === undefined || s === undefined || us === undefined) return undefined;
  return new Date(reference.getFullYear(), mo - 1, d, h, mi, s, 0).getTime() + us / 1000;
}
