// The viewer: camera + pyramid + tile cache + settings, drawn onto one canvas.
//
// Each frame: pick the level for the zoom, list the visible tiles of that level (nearest the
// centre first) and of the coarsest level (few, fast: something to show at once), hand that
// list to the cache (which fetches what is missing and aborts what is no longer needed), then
// draw what is decoded, coarse to fine, so finer tiles cover coarser ones as they arrive.
// When the plane or the channel settings change, the last complete picture stays underneath
// until the new tiles cover it: moving a slider never flashes black.

import { Camera } from "./camera.js";
import { Pyramid } from "./pyramid.js";
import { scaleBar } from "./scalebar.js";
import { channelsParameter, defaultChannels } from "./state.js";
import { TileCache } from "./tiles.js";

/** Magnification (device pixels per image pixel) beyond which pixels are drawn as squares. */
const CRISP_ABOVE = 1.5;
const BACKGROUND = "#0b0d10";
const OUTLINE = "rgb(255 255 255 / 22%)";

export class Viewer {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {object} config the page's viewer configuration (view document, calibration)
   * @param {() => void} onChange called after every change of position, plane or settings
   */
  constructor(canvas, config, onChange) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.config = config;
    this.view = config.view;
    this.pyramid = new Pyramid(this.view);
    this.camera = new Camera(this.pyramid.width, this.pyramid.height);
    this.defaults = defaultChannels(this.view);
    this.channels = defaultChannels(this.view);
    this.z = this.view.default_z;
    this.t = this.view.default_t;
    this.onChange = onChange;
    this.cache = new TileCache({ onLoad: () => this.redraw() });
    this.level = this.pyramid.coarsest;
    this.complete = null; // the last layer whose visible tiles were all drawn
    this.fallback = null; // shown under the current layer until that is complete
    this.pixelRatio = 1;
    this.scheduled = false;
  }

  /** The current plane and channel settings as a tile query: {t, z, query}. */
  layer() {
    const c = channelsParameter(this.channels, this.defaults);
    return { t: this.t, z: this.z, query: c ? `?c=${encodeURIComponent(c)}` : "" };
  }

  static layerKey(layer) {
    return layer ? `${layer.t}/${layer.z}${layer.query}` : "";
  }

  /** Match the canvas to its box (CSS size x device pixel ratio). */
  resize(width, height) {
    this.pixelRatio = window.devicePixelRatio || 1;
    this.canvas.width = Math.max(1, Math.round(width * this.pixelRatio));
    this.canvas.height = Math.max(1, Math.round(height * this.pixelRatio));
    this.camera.resize(width, height);
    this.redraw();
  }

  // -- changes ------------------------------------------------------------------------------

  changed() {
    this.redraw();
    this.onChange();
  }

  /** Before the plane or the channels change: keep the last complete picture underneath. */
  keepPicture() {
    if (this.complete) this.fallback = this.complete;
  }

  setPlane(z, t) {
    const clampedZ = Math.min(this.view.size_z - 1, Math.max(0, Math.round(z)));
    const clampedT = Math.min(this.view.size_t - 1, Math.max(0, Math.round(t)));
    if (clampedZ === this.z && clampedT === this.t) return;
    this.keepPicture();
    this.z = clampedZ;
    this.t = clampedT;
    this.changed();
  }

  /** Change channel ``index``'s settings (visible, color, window, gamma). */
  setChannel(index, settings) {
    this.keepPicture();
    Object.assign(this.channels[index], settings);
    this.changed();
  }

  setChannels(channels) {
    this.keepPicture();
    this.channels = channels;
    this.changed();
  }

  // -- drawing ------------------------------------------------------------------------------

  redraw() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  tileUrl(layer, tile) {
    return this.pyramid.tileUrl(tile.level, layer.t, layer.z, tile.x, tile.y, layer.query);
  }

  draw() {
    const { camera, pyramid, cache } = this;
    const level = pyramid.levelFor(camera.zoom, this.pixelRatio);
    this.level = level;
    const rect = camera.visibleRect();
    const current = this.layer();
    const fine = pyramid.tilesIn(level, rect);
    const coarse = level === pyramid.coarsest ? [] : pyramid.tilesIn(pyramid.coarsest, rect);
    const fineUrls = fine.map((tile) => this.tileUrl(current, tile));
    cache.want([...coarse.map((tile) => this.tileUrl(current, tile)), ...fineUrls]);

    const ctx = this.context;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = BACKGROUND;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    const currentKey = Viewer.layerKey(current);
    if (this.fallback && Viewer.layerKey(this.fallback) !== currentKey) {
      this.drawLayer(this.fallback, level, rect);
    }
    this.drawLayer(current, level, rect);
    this.drawOutline();
    if (cache.allReady(fineUrls)) {
      this.complete = current;
      this.fallback = null;
    }
    this.updateOverlay();
  }

  drawLayer(layer, level, rect) {
    for (let k = this.pyramid.coarsest; k >= level; k -= 1) {
      const magnification = this.camera.zoom * this.pixelRatio * this.pyramid.levels[k].scaleX;
      // Coarse stand-ins are smoothed (a blurry preview reads better than blocks); the level
      // that belongs to this zoom shows its pixels as pixels once they are magnified.
      this.context.imageSmoothingEnabled = k !== level || magnification < CRISP_ABOVE;
      this.context.imageSmoothingQuality = "high";
      for (const tile of this.pyramid.tilesIn(k, rect)) {
        const bitmap = this.cache.bitmap(this.tileUrl(layer, tile));
        if (bitmap) this.drawTile(bitmap, tile.box);
      }
    }
  }

  drawTile(bitmap, box) {
    // Edges rounded to whole device pixels: neighbouring tiles share an edge exactly, no seams.
    const ratio = this.pixelRatio;
    const [sx0, sy0] = this.camera.toScreen(box.x0, box.y0);
    const [sx1, sy1] = this.camera.toScreen(box.x1, box.y1);
    const x0 = Math.round(sx0 * ratio);
    const y0 = Math.round(sy0 * ratio);
    const x1 = Math.round(sx1 * ratio);
    const y1 = Math.round(sy1 * ratio);
    if (x1 > x0 && y1 > y0) this.context.drawImage(bitmap, x0, y0, x1 - x0, y1 - y0);
  }

  // A faint frame shows where the image ends: dark fluorescence meets a dark background.
  drawOutline() {
    const ratio = this.pixelRatio;
    const [x0, y0] = this.camera.toScreen(0, 0);
    const [x1, y1] = this.camera.toScreen(this.pyramid.width, this.pyramid.height);
    this.context.strokeStyle = OUTLINE;
    this.context.lineWidth = 1;
    this.context.strokeRect(
      Math.round(x0 * ratio) - 0.5,
      Math.round(y0 * ratio) - 0.5,
      Math.round((x1 - x0) * ratio) + 1,
      Math.round((y1 - y0) * ratio) + 1,
    );
  }

  /** Hand the scale bar and the loading state to the page (main.js writes them). */
  updateOverlay() {
    const bar = scaleBar(this.camera.zoom, this.config.pixelSizeUm?.x ?? null);
    if (this.onOverlay) this.onOverlay({ bar, level: this.level, pending: this.cache.pending });
  }
}
