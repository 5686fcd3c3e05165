// A channel's histogram (from the server: coarsest level, up to 8 planes over z and t):
// drawn under the contrast sliders, and the source of auto-contrast.

/** The 0.1 and 99.9 percentiles, as the server's default windows are computed. */
const AUTO_LOW = 0.001;
const AUTO_HIGH = 0.999;

/** @returns {Promise<{edges: number[], counts: number[]} | null>} */
export async function loadHistogram(url) {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    return await response.json();
  } catch (error) {
    console.warn(`imagesteward viewer: no histogram from ${url}: ${error.message}`);
    return null;
  }
}

/** The window between the 0.1 and 99.9 percentiles of the histogram's values. */
export function percentileWindow({ edges, counts }, integer) {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return [edges[0], edges[edges.length - 1]];
  let seen = 0;
  let low = 0;
  let high = counts.length - 1;
  let lowFound = false;
  for (let i = 0; i < counts.length; i += 1) {
    seen += counts[i];
    if (!lowFound && seen >= total * AUTO_LOW) {
      low = i;
      lowFound = true;
    }
    if (seen >= total * AUTO_HIGH) {
      high = i;
      break;
    }
  }
  let start = edges[low];
  let end = edges[high + 1];
  if (integer) {
    // Integer data: bins span whole values [edge, next edge); the last value is edge - 1.
    start = Math.floor(start);
    end = Math.max(start + 1, Math.ceil(end) - 1);
  }
  return end > start ? [start, end] : [start, start + 1];
}

/**
 * Draw the histogram (log counts, so faint signal shows) across the sliders' span ``span``,
 * with the window shaded in the channel's colour.
 */
export function drawHistogram(canvas, { edges, counts }, window, span, color) {
  const ratio = globalThis.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  const [lo, hi] = span;
  const x = (value) => ((value - lo) / (hi - lo)) * width;
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.18;
  ctx.fillRect(x(window[0]), 0, Math.max(1, x(window[1]) - x(window[0])), height);
  ctx.globalAlpha = 1;
  const peak = Math.log1p(Math.max(...counts));
  if (peak <= 0) return;
  ctx.fillStyle = getComputedStyle(canvas).color; // the bars follow the page's text colour
  for (let i = 0; i < counts.length; i += 1) {
    if (counts[i] === 0) continue;
    const left = x(edges[i]);
    const bar = Math.max(1, x(edges[i + 1]) - left);
    const h = (Math.log1p(counts[i]) / peak) * height;
    ctx.fillRect(left, height - h, bar, h);
  }
}
