// The bench's charts: a value against N for both sidecars (W1: time to all-ready; W3's scale curve:
// sync time, RSS at rest, new content create → ready, one panel each), as self-contained SVG with
// no dependencies. Pure: data in, markup out.

export interface ChartPoint {
  readonly n: number;
  /** The plotted value (seconds unless the chart's `unit` says otherwise). */
  readonly seconds: number;
}

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly points: readonly ChartPoint[];
}

const W = 640;
const H = 400;
const M = { left: 64, right: 24, top: 40, bottom: 56 } as const;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" axis maximum (1, 2 or 5 × 10^k) at or above v. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const k = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * k >= v) return m * k;
  return 10 * k;
}

export interface ChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  /** Logarithmic N axis (decades), for sizes spanning orders of magnitude. */
  readonly xLog?: boolean;
  /** Suffix of the point labels; default 's'. */
  readonly unit?: string;
}

/** The decades a log axis spans: 10^floor(log10 min) … 10^ceil(log10 max), at least one decade. */
export function logDecades(min: number, max: number): readonly number[] {
  const lo = Math.floor(Math.log10(Math.max(1, min)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(1, max))));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

/** Point labels: two decimals below 1 (sub-second times), one above. */
export function fmtValue(v: number): string {
  return Math.abs(v) < 1 ? v.toFixed(2) : v.toFixed(1);
}

function fmtN(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : `${+n.toFixed(1)}`;
}

export function renderChart(opts: ChartOptions): string {
  const unit = opts.unit ?? 's';
  const all = opts.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.seconds));
  const ns = all.map((p) => p.n);
  const decades = opts.xLog ? logDecades(Math.min(...ns, Infinity), Math.max(1, ...ns)) : [];
  const xMax = opts.xLog ? (decades.at(-1) ?? 10) : niceMax(Math.max(1, ...ns));
  const xMin = opts.xLog ? (decades[0] ?? 1) : 0;
  const yMax = niceMax(Math.max(0, ...all.map((p) => p.seconds)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = opts.xLog
    ? (n: number): number => M.left + ((Math.log10(n) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * pw
    : (n: number): number => M.left + (n / xMax) * pw;
  const y = (s: number): number => M.top + ph - (s / yMax) * ph;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(opts.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const yv = (yMax * i) / 5;
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(yv).toFixed(1)}" y2="${y(yv).toFixed(1)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 8}" y="${(y(yv) + 4).toFixed(1)}" text-anchor="end">${+yv.toFixed(2)}</text>`);
  }
  const xTicks = opts.xLog ? decades : Array.from({ length: 6 }, (_, i) => (xMax * i) / 5);
  for (const xv of xTicks) out.push(`<text x="${x(xv).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${fmtN(xv)}</text>`);
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="black"/>`);
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="black"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 14}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  opts.series.forEach((s, i) => {
    const pts = s.points.filter((p) => Number.isFinite(p.seconds)).sort((a, b) => a.n - b.n);
    if (pts.length > 1) {
      out.push(`<polyline fill="none" stroke="${esc(s.color)}" stroke-width="2" points="${pts.map((p) => `${x(p.n).toFixed(1)},${y(p.seconds).toFixed(1)}`).join(' ')}"/>`);
    }
    for (const p of pts) {
      out.push(`<circle cx="${x(p.n).toFixed(1)}" cy="${y(p.seconds).toFixed(1)}" r="4" fill="${esc(s.color)}"><title>${esc(s.label)} N=${p.n}: ${p.seconds.toFixed(2)} ${esc(unit)}</title></circle>`);
      // Near the right edge the label goes to the point's left, so it is not clipped.
      const right = x(p.n) > M.left + pw * 0.85;
      const lx = right ? x(p.n) - 6 : x(p.n) + 6;
      out.push(`<text x="${lx.toFixed(1)}" y="${(y(p.seconds) - 6).toFixed(1)}"${right ? ' text-anchor="end"' : ''} fill="${esc(s.color)}">${fmtValue(p.seconds)} ${esc(unit)}</text>`);
    }
    const ly = M.top + 8 + i * 18;
    out.push(`<rect x="${M.left + 12}" y="${ly - 9}" width="12" height="12" fill="${esc(s.color)}"/>`);
    out.push(`<text x="${M.left + 30}" y="${ly + 1}">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Charts stacked into one SVG, top to bottom (each keeps its own axes). */
export function stackCharts(charts: readonly string[]): string {
  const inner = charts.map((svg, i) => svg.trim().replace(/^<svg /, `<svg x="0" y="${i * H}" `));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H * charts.length}" viewBox="0 0 ${W} ${H * charts.length}">\n${inner.join('\n')}\n</svg>\n`;
}
