// Where the viewer looks: the image point at the centre of the canvas and the zoom.
//
// Image coordinates are level-0 pixels (x right, y down); zoom is CSS pixels per level-0
// pixel. Every pan and zoom goes through here, so the limits (never lose the image, never
// zoom beyond what is useful) hold whatever the input device.

/** The zoom range relative to "fit": a quarter of it, up to 64 screen pixels per pixel. */
const MIN_FIT_FRACTION = 0.25;
const MAX_PIXEL_ZOOM = 64;

export class Camera {
  /**
   * @param {number} imageWidth level-0 width of the displayed plane
   * @param {number} imageHeight level-0 height
   */
  constructor(imageWidth, imageHeight) {
    this.imageWidth = imageWidth;
    this.imageHeight = imageHeight;
    this.width = 1; // canvas size in CSS pixels
    this.height = 1;
    this.cx = imageWidth / 2;
    this.cy = imageHeight / 2;
    this.zoom = 1;
  }

  /** The zoom that shows the whole image. */
  fitZoom() {
    return Math.min(this.width / this.imageWidth, this.height / this.imageHeight);
  }

  minZoom() {
    return this.fitZoom() * MIN_FIT_FRACTION;
  }

  maxZoom() {
    return Math.max(MAX_PIXEL_ZOOM, this.fitZoom() * 2);
  }

  resize(width, height) {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
    this.zoom = this.clampZoom(this.zoom);
  }

  fit() {
    this.cx = this.imageWidth / 2;
    this.cy = this.imageHeight / 2;
    this.zoom = this.fitZoom();
  }

  /** Show (cx, cy) at the centre with this zoom, within the limits. */
  set(cx, cy, zoom) {
    this.zoom = this.clampZoom(zoom);
    this.cx = cx;
    this.cy = cy;
    this.clampCentre();
  }

  clampZoom(zoom) {
    return Math.min(this.maxZoom(), Math.max(this.minZoom(), zoom));
  }

  // The centre stays on the image: it can be panned to its edge, never lost off-screen.
  clampCentre() {
    this.cx = Math.min(this.imageWidth, Math.max(0, this.cx));
    this.cy = Math.min(this.imageHeight, Math.max(0, this.cy));
  }

  toScreen(x, y) {
    return [(x - this.cx) * this.zoom + this.width / 2, (y - this.cy) * this.zoom + this.height / 2];
  }

  toImage(sx, sy) {
    return [(sx - this.width / 2) / this.zoom + this.cx, (sy - this.height / 2) / this.zoom + this.cy];
  }

  /** Zoom by ``factor`` keeping the image point under (sx, sy) where it is. */
  zoomAt(factor, sx = this.width / 2, sy = this.height / 2) {
    const [x, y] = this.toImage(sx, sy);
    this.zoom = this.clampZoom(this.zoom * factor);
    this.cx = x - (sx - this.width / 2) / this.zoom;
    this.cy = y - (sy - this.height / 2) / this.zoom;
    this.clampCentre();
  }

  /** Move the image by (dx, dy) screen pixels, as a drag does. */
  panBy(dx, dy) {
    this.cx -= dx / this.zoom;
    this.cy -= dy / this.zoom;
    this.clampCentre();
  }

  /** The visible part of the image, in level-0 pixels, clipped to the image. */
  visibleRect() {
    const [x0, y0] = this.toImage(0, 0);
    const [x1, y1] = this.toImage(this.width, this.height);
    return {
      x0: Math.max(0, x0),
      y0: Math.max(0, y0),
      x1: Math.min(this.imageWidth, x1),
      y1: Math.min(this.imageHeight, y1),
    };
  }
}
