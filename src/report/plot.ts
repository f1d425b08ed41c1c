/**
 * The calibration plot (a reliability diagram) as inline SVG: for messages grouped by
 * predicted probability, the share that really were positive. A calibrated model's
 * points lie on the diagonal; bubble areas show how many messages each point holds.
 */
import { escapeHtml } from "../html.js";

export interface ReliabilityBin {
  readonly meanScore: number;
  readonly positiveShare: number;
  readonly count: number;
}

export function reliabilityBins(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  const sum = new Float64Array(bins);
  const pos = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let i = 0; i < scores.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(scores[i]! * bins)));
    sum[b]! += scores[i]!;
    pos[b]! += labels[i]! > 0 ? 1 : 0;
    count[b]!++;
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) if (count[b]! > 0) out.push({ meanScore: sum[b]! / count[b]!, positiveShare: pos[b]! / count[b]!, count: count[b]! });
  return out;
}

const COLORS = ["#0b6bcb", "#c2410c", "#15803d", "#7e22ce", "#be123c"];

/** One series per category; 0–1 on both axes. */
export function reliabilitySvg(series: ReadonlyArray<{ name: string; bins: readonly ReliabilityBin[] }>): string {
  const size = 320;
  const pad = 40;
  const x = (v: number): number => pad + v * (size - 2 * pad);
  const y = (v: number): number => size - pad - v * (size - 2 * pad);
  const maxCount = Math.max(1, ...series.flatMap((s) => s.bins.map((b) => b.count)));
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size + 120} ${size}" width="${size + 120}" height="${size}" role="img" aria-label="calibration plot">`,
    `<rect x="${pad}" y="${pad}" width="${size - 2 * pad}" height="${size - 2 * pad}" fill="#fafafa" stroke="#ccc"/>`,
    ...ticks.map((t) => `<text x="${x(t)}" y="${size - pad + 16}" font-size="11" text-anchor="middle">${t}</text><text x="${pad - 6}" y="${y(t) + 4}" font-size="11" text-anchor="end">${t}</text>`),
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`,
    `<text x="${size / 2}" y="${size - 6}" font-size="12" text-anchor="middle">predicted probability</text>`,
    `<text x="12" y="${size / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 12 ${size / 2})">share truly positive</text>`,
  ];
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = s.bins.map((b) => `${x(b.meanScore).toFixed(1)},${y(b.positiveShare).toFixed(1)}`).join(" ");
    parts.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    for (const b of s.bins) parts.push(`<circle cx="${x(b.meanScore).toFixed(1)}" cy="${y(b.positiveShare).toFixed(1)}" r="${(2 + 8 * Math.sqrt(b.count / maxCount)).toFixed(1)}" fill="${color}" fill-opacity="0.35" stroke="${color}"/>`);
    parts.push(`<rect x="${size + 4}" y="${pad + i * 20}" width="12" height="12" fill="${color}"/><text x="${size + 22}" y="${pad + i * 20 + 11}" font-size="12">${escapeHtml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}
