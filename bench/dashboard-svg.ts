// Draws the dashboard's panels from a run's scrapes as one self-contained SVG (no dependencies),
// laid out as the Grafana dashboard: two columns of time series. Pure: data in, markup out.
import { niceMax } from './chart-svg.js';
import type { Panel, Scrape } from './dashboard-panels.js';

const PW = 480;
const PH = 230;
const GAP = 16;
const HEADER = 56;
const M = { left: 52, right: 12, top: 30, bottom: 58 } as const;
/** Fixed colours for the content states, so the eye learns them once. */
const STATE_COLORS: Readonly<Record<string, string>> = { pending: '#8ab8ff', creating: '#fade2a', ready: '#73bf69', error: '#f2495c', deleting: '#b877d9' };
const COLORS = ['#7eb26d', '#eab839', '#6ed0e0', '#ef843c', '#e24d42', '#1f78c1', '#ba43a9', '#705da0', '#508642', '#cca300'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number, unit: Panel['unit']): string {
  const n = Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(Math.abs(v) >= 10 ? 0 : 1);
  return unit === 's' ? `${n}s` : unit === 'ops' ? `${n}/s` : n;
}

function drawPanel(panel: Panel, history: readonly Scrape[], x0: number, y0: number): string[] {
  const frames = history.map((_, i) => panel.local(history, i));
  const keys = [...new Set(frames.flatMap((f) => [...f.keys()]))].sort();
  const tMax = Math.max(1, history.at(-1)?.t ?? 1);
  const values = frames.flatMap((f) => [...f.values()]).filter(Number.isFinite);
  const yMax = niceMax(Math.max(0, ...values));
  const pw = PW - M.left - M.right;
  const ph = PH - M.top - M.bottom;
  const x = (t: number): number => x0 + M.left + (t / tMax) * pw;
  const y = (v: number): number => y0 + M.top + ph - (v / yMax) * ph;
  const out: string[] = [
    `<rect x="${x0}" y="${y0}" width="${PW}" height="${PH}" rx="4" fill="#181b1f" stroke="#2c3235"/>`,
    `<text x="${x0 + 10}" y="${y0 + 19}" fill="#d8d9da" font-size="13" font-weight="bold">${esc(panel.title)}</text>`,
  ];
  // 5 steps for 1·10^k and 5·10^k, 4 for 2·10^k: every tick label is a round number.
  const steps = String(yMax).startsWith('2') ? 4 : 5;
  for (let k = 0; k <= steps; k++) {
    const v = (yMax * k) / steps;
    out.push(`<line x1="${x(0)}" x2="${x(tMax)}" y1="${y(v)}" y2="${y(v)}" stroke="#2c3235"/>`);
    out.push(`<text x="${x(0) - 6}" y="${y(v) + 4}" text-anchor="end" fill="#9fa7b3" font-size="10">${esc(fmt(v, panel.unit))}</text>`);
  }
  const tStep = niceMax(tMax / 6);
  for (let t = 0; t <= tMax; t += tStep) {
    out.push(`<text x="${x(t)}" y="${y(0) + 14}" text-anchor="middle" fill="#9fa7b3" font-size="10">${Math.round(t)}s</text>`);
  }
  let lx = x0 + M.left;
  let ly = y0 + PH - M.bottom + 30;
  keys.forEach((key, k) => {
    const color = STATE_COLORS[key] ?? COLORS[k % COLORS.length] ?? '#ccc';
    let d = '';
    let pen = false;
    frames.forEach((f, i) => {
      const v = f.get(key);
      const t = history[i]?.t ?? 0;
      if (v === undefined || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    if (d !== '') out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
    const label = key === '' ? 'total' : key;
    // Legend entries flow left to right and wrap, as Grafana's list legend (~6 px per character).
    const width = 24 + label.length * 6;
    if (lx + width > x0 + PW - M.right) {
      lx = x0 + M.left;
      ly += 13;
    }
    out.push(`<rect x="${lx}" y="${ly - 8}" width="10" height="3" fill="${color}"/>`);
    out.push(`<text x="${lx + 14}" y="${ly - 3}" fill="#c7d0d9" font-size="10">${esc(label)}</text>`);
    lx += width;
  });
  return out;
}

export function renderDashboard(opts: { readonly title: string; readonly subtitle: string; readonly panels: readonly Panel[]; readonly history: readonly Scrape[] }): string {
  const rows = Math.ceil(opts.panels.length / 2);
  const W = 2 * PW + 3 * GAP;
  const H = HEADER + rows * (PH + GAP) + GAP;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#111217"/>`,
    `<text x="${GAP}" y="26" fill="#d8d9da" font-size="17" font-weight="bold">${esc(opts.title)}</text>`,
    `<text x="${GAP}" y="44" fill="#9fa7b3" font-size="11">${esc(opts.subtitle)}</text>`,
  ];
  opts.panels.forEach((panel, i) => {
    out.push(...drawPanel(panel, opts.history, GAP + (i % 2) * (PW + GAP), HEADER + Math.floor(i / 2) * (PH + GAP)));
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
