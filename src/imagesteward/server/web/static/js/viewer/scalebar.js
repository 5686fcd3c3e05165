// The scale bar: a round length (1, 2 or 5 times a power of ten) in the unit that keeps the
// number between 1 and 999 - nm for electron micrographs, µm for cells, mm for slide scans.

const TARGET_WIDTH = 120; // CSS pixels the bar aims at; the round length decides exactly
const UNITS = [
  { name: "nm", micrometres: 1e-3 },
  { name: "µm", micrometres: 1 },
  { name: "mm", micrometres: 1e3 },
  { name: "m", micrometres: 1e6 },
];

function roundDown(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  const leading = value / power;
  return (leading >= 5 ? 5 : leading >= 2 ? 2 : 1) * power;
}

/**
 * The bar for ``zoom`` CSS pixels per level-0 pixel.
 *
 * @param {number} zoom
 * @param {number|null} pixelMicrometres level-0 pixel width in µm, null when uncalibrated
 * @returns {{width: number, label: string}}
 */
export function scaleBar(zoom, pixelMicrometres) {
  if (!pixelMicrometres) {
    const pixels = roundDown(TARGET_WIDTH / zoom);
    return { width: pixels * zoom, label: `${formatLength(pixels)} px` };
  }
  const perCssPixel = pixelMicrometres / zoom;
  const length = roundDown(TARGET_WIDTH * perCssPixel);
  const unit = UNITS.findLast((u) => length >= u.micrometres) ?? UNITS[0];
  return { width: length / perCssPixel, label: `${formatLength(length / unit.micrometres)} ${unit.name}` };
}

function formatLength(value) {
  // Round lengths are exact in decimal; toPrecision removes binary noise (0.30000000000000004).
  return String(Number(value.toPrecision(6)));
}
