// A minimal reader of the Prometheus text format as our /metrics writes it (no escapes in label
// values, no timestamps): enough to draw the dashboard's panels from real scrapes. Pure.

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)\s*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g;

export function parsePromText(text: string): readonly Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1] ?? ''] = l[2] ?? '';
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    out.push({ name: m[1] ?? '', labels, value });
  }
  return out;
}

/** Σ value of `name` grouped by the given labels ("a/b" keys); an empty `by` gives one key, "". */
export function sumBy(samples: readonly Sample[], name: string, by: readonly string[], where: (s: Sample) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || !where(s)) continue;
    const key = by.map((l) => s.labels[l] ?? '').join('/');
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

/**
 * histogram_quantile over cumulative bucket counts (le → count): linear inside the bucket, as
 * Prometheus; undefined when the histogram is empty.
 */
export function histogramQuantile(q: number, buckets: ReadonlyMap<number, number>): number | undefined {
  const sorted = [...buckets.entries()].sort(([a], [b]) => a - b);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (!(total > 0)) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(count - prevCount, Number.EPSILON);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
