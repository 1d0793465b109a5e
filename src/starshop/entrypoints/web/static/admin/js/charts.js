// Bar charts as inline SVG, drawn by hand: grouped or stacked bars per period, a y axis with round ticks, a
// tooltip (<title>) on every bar. Each bar carries data-period and data-value so tests and people can read it.
import { s } from "./dom.js";

const W = 640;
const H = 230;
const PAD = { left: 56, right: 12, top: 14, bottom: 34 };

function niceStep(max, ticks) {
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  const nice = unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 2.5 ? 2.5 : unit <= 5 ? 5 : 10;
  return nice * power;
}

function short(value) {
  if (value >= 1e6) return (value / 1e6).toFixed(value >= 1e7 ? 0 : 1) + "M";
  if (value >= 1e4) return (value / 1e3).toFixed(value >= 1e5 ? 0 : 1) + "k";
  return String(Math.round(value * 100) / 100);
}

function periodLabel(period, bucket) {
  const [, month, day] = period.from.split("-");
  const text = `${day}.${month}`;
  return bucket === "week" ? "wk " + text : text;
}

/**
 * periods: [{from, to, ...}]; keys: [{key, label, cls}] where period[key] is a number or a decimal string.
 * stacked: bars of one period on top of each other, else side by side.
 */
export function barChart({ periods, keys, bucket, stacked = false, testid, title, unit = "" }) {
  const values = periods.map((p) => keys.map((k) => Number(p[k.key]) || 0));
  const peak = Math.max(0, ...values.map((v) => (stacked ? v.reduce((a, b) => a + b, 0) : Math.max(0, ...v))));
  const step = peak > 0 ? niceStep(peak, 4) : 1;
  const top = Math.max(step, Math.ceil(peak / step) * step);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v) => PAD.top + plotH - (v / top) * plotH;
  const slot = plotW / Math.max(periods.length, 1);
  const gap = Math.min(slot * 0.25, 8);
  const barW = stacked ? slot - gap : (slot - gap) / keys.length;

  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`,
    class: "chart",
    role: "img",
    "aria-label": title,
    testid,
    preserveAspectRatio: "xMidYMid meet",
  });
  for (let t = 0; t <= top + step / 2; t += step) {
    svg.append(
      s("line", { x1: PAD.left, x2: W - PAD.right, y1: y(t), y2: y(t), class: t === 0 ? "axis" : "grid" }),
      s("text", { x: PAD.left - 6, y: y(t) + 4, class: "tick", "text-anchor": "end" }, short(t)),
    );
  }
  const every = Math.ceil(periods.length / 10);
  periods.forEach((period, i) => {
    const x0 = PAD.left + i * slot + gap / 2;
    let base = 0;
    keys.forEach((k, j) => {
      const v = values[i][j];
      const x = stacked ? x0 : x0 + j * barW;
      const y1 = y(base + v);
      const height = Math.max(y(base) - y1, v > 0 ? 1 : 0);
      const tip = `${period.from === period.to ? period.from : period.from + " – " + period.to}: ${k.label} ${period[k.key]}${unit}`;
      svg.append(
        s("rect", {
          x: x.toFixed(2),
          y: (y(base) - height).toFixed(2),
          width: Math.max(barW - (stacked ? 0 : 1), 1).toFixed(2),
          height: height.toFixed(2),
          class: "bar " + k.cls,
          "data-period": period.from,
          "data-key": k.key,
          "data-value": String(period[k.key]),
        }, s("title", {}, tip)),
      );
      if (stacked) base += v;
    });
    if (i % every === 0) {
      svg.append(s("text", { x: x0 + (slot - gap) / 2, y: H - PAD.bottom + 16, class: "tick", "text-anchor": "middle" },
        periodLabel(period, bucket)));
    }
  });
  return svg;
}

export function legend(keys) {
  return keys.map((k) => s("svg", { class: "swatch", viewBox: "0 0 10 10", "aria-hidden": "true" },
    s("rect", { width: 10, height: 10, rx: 2, class: "bar " + k.cls })));
}
