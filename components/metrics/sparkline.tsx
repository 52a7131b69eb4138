"use client";
// A small inline chart of one series for the overview's app cards (an SVG path; gaps stay gaps).
type Props = { label: string; values: (number | null)[]; color: string; format: (v: number) => string };

export function Sparkline({ label, values, color, format }: Props) {
  const w = 96;
  const h = 24;
  const nums = values.filter((v): v is number => v !== null);
  const max = Math.max(1e-9, ...nums);
  const last = nums.length ? nums[nums.length - 1] : null;
  let d = "";
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    const x = values.length > 1 ? (i / (values.length - 1)) * w : w;
    const y = h - 1 - (v / max) * (h - 2);
    d += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
    pen = true;
  });
  return (
    <span className="inline-flex items-center gap-1.5 text-xs" data-testid="sparkline" data-metric={label}>
      <span className="text-muted">{label}</span>
      <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} aria-hidden className="overflow-visible">
        <path d={d} fill="none" stroke={color} strokeWidth={1.5} />
      </svg>
      <span className="w-14 font-mono text-ink">{last === null ? "—" : format(last)}</span>
    </span>
  );
}
