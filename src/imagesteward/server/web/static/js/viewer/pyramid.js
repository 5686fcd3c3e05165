// The image's resolution levels and their tile grids, from the API's /view document.

/** Device pixels per screen pixel the level choice honours (beyond 2 the eye gains little). */
const MAX_PIXEL_RATIO = 2;

export class Pyramid {
  /** @param {object} view the /api/v1/images/{image}/view document */
  constructor(view) {
    const [rowAxis, columnAxis] = view.plane_axes;
    const row = view.axes.indexOf(rowAxis);
    const column = view.axes.indexOf(columnAxis);
    this.tileSize = view.tile_size;
    this.tiles = view.tiles;
    const [height0, width0] = [view.levels[0][row], view.levels[0][column]];
    // Downsampling factors come from the shapes: level k shows level-0 pixels scaleX at a time.
    this.levels = view.levels.map((shape) => ({
      width: shape[column],
      height: shape[row],
      scaleX: width0 / shape[column],
      scaleY: height0 / shape[row],
    }));
    this.width = width0;
    this.height = height0;
  }

  get coarsest() {
    return this.levels.length - 1;
  }

  /**
   * The coarsest level that still gives every device pixel its own image pixel.
   *
   * At ``zoom`` CSS pixels per level-0 pixel, a level-k pixel covers zoom * ratio * scale
   * device pixels; it is sharp while that is at most 1. Zoomed in beyond level 0, level 0.
   */
  levelFor(zoom, devicePixelRatio) {
    const ratio = Math.min(MAX_PIXEL_RATIO, Math.max(1, devicePixelRatio));
    const wanted = 1 / (zoom * ratio);
    for (let k = this.coarsest; k > 0; k -= 1) {
      if (this.levels[k].scaleX <= wanted * 1.0001) return k;
    }
    return 0;
  }

  /** Tiles of ``level`` meeting ``rect`` (level-0 pixels), nearest the rect's centre first. */
  tilesIn(level, rect) {
    const { width, height, scaleX, scaleY } = this.levels[level];
    const size = this.tileSize;
    const columns = Math.ceil(width / size);
    const rows = Math.ceil(height / size);
    const first = [Math.floor(rect.x0 / scaleX / size), Math.floor(rect.y0 / scaleY / size)];
    const last = [Math.ceil(rect.x1 / scaleX / size), Math.ceil(rect.y1 / scaleY / size)];
    const midX = (rect.x0 + rect.x1) / 2;
    const midY = (rect.y0 + rect.y1) / 2;
    const found = [];
    for (let y = Math.max(0, first[1]); y < Math.min(rows, last[1]); y += 1) {
      for (let x = Math.max(0, first[0]); x < Math.min(columns, last[0]); x += 1) {
        const box = this.tileBox(level, x, y);
        const distance = Math.hypot((box.x0 + box.x1) / 2 - midX, (box.y0 + box.y1) / 2 - midY);
        found.push({ level, x, y, box, distance });
      }
    }
    return found.sort((a, b) => a.distance - b.distance);
  }

  /** A tile's extent in level-0 pixels (edge tiles are smaller: the API clips them). */
  tileBox(level, x, y) {
    const { width, height, scaleX, scaleY } = this.levels[level];
    const size = this.tileSize;
    return {
      x0: x * size * scaleX,
      y0: y * size * scaleY,
      x1: Math.min((x + 1) * size, width) * scaleX,
      y1: Math.min((y + 1) * size, height) * scaleY,
    };
  }

  /** The tile's URL; ``query`` is "" or "?c=..." (see state.js). */
  tileUrl(level, t, z, x, y, query) {
    return `${this.tiles}/${level}/${t}/${z}/${x}/${y}.jpg${query}`;
  }
}
