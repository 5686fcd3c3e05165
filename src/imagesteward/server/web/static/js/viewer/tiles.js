// Tile loading and caching: a bounded number of requests in flight, most wanted first;
// requests for tiles no longer wanted are aborted; decoded tiles kept least-recently-used.
//
// A tile is known by its URL (level, plane, channel settings: everything that changes its
// pixels is in it). The HTTP cache keeps the encoded bytes (tiles are cacheable for a week);
// this cache keeps decoded ImageBitmaps, which are what drawing needs.

const DEFAULT_CONCURRENCY = 6; // what browsers open per host over HTTP/1.1 anyway
const DEFAULT_CAPACITY = 384; // decoded 512² RGBA tiles: ~400 MB at most, usually far less

export class TileCache {
  /**
   * @param {{onLoad: () => void, concurrency?: number, capacity?: number}} options
   *   onLoad is called whenever a tile arrives (or fails), to schedule a redraw.
   */
  constructor({ onLoad, concurrency = DEFAULT_CONCURRENCY, capacity = DEFAULT_CAPACITY }) {
    this.onLoad = onLoad;
    this.concurrency = concurrency;
    this.capacity = capacity;
    /** @type {Map<string, {state: string, bitmap: ImageBitmap|null, used: number, abort: AbortController|null}>} */
    this.entries = new Map();
    this.queue = []; // URLs wanted, most wanted first
    this.inFlight = 0;
    this.clock = 0;
    this.failures = 0;
  }

  /** The decoded tile, or null; marks it used (drawing it now protects it from eviction). */
  bitmap(url) {
    const entry = this.entries.get(url);
    if (!entry || entry.state !== "ready") return null;
    entry.used = this.clock;
    return entry.bitmap;
  }

  /** Whether every one of ``urls`` is decoded. */
  allReady(urls) {
    return urls.every((url) => this.entries.get(url)?.state === "ready");
  }

  get pending() {
    return this.inFlight + this.queue.length;
  }

  /**
   * The tiles the current view needs, most wanted first. Replaces the previous wish list;
   * requests in flight for tiles not on it are aborted (the view moved on).
   */
  want(urls) {
    this.clock += 1;
    const wanted = new Set(urls);
    for (const [url, entry] of this.entries) {
      if (entry.state === "loading" && !wanted.has(url)) {
        entry.abort?.abort();
        this.entries.delete(url);
      }
    }
    this.queue = urls.filter((url) => !this.entries.has(url));
    this.pump();
  }

  pump() {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      this.load(this.queue.shift());
    }
  }

  async load(url) {
    const abort = new AbortController();
    const entry = { state: "loading", bitmap: null, used: this.clock, abort };
    this.entries.set(url, entry);
    this.inFlight += 1;
    try {
      const response = await fetch(url, { signal: abort.signal });
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      const bitmap = await createImageBitmap(await response.blob());
      if (this.entries.get(url) === entry) {
        entry.state = "ready";
        entry.bitmap = bitmap;
      } else {
        bitmap.close(); // aborted while decoding
      }
    } catch (error) {
      if (error.name !== "AbortError" && this.entries.get(url) === entry) {
        entry.state = "failed"; // not retried: the same URL would fail the same way
        this.failures += 1;
        console.warn(`imagesteward viewer: tile ${url} failed: ${error.message}`);
      }
    } finally {
      entry.abort = null;
      this.inFlight -= 1;
      this.evict();
      this.pump();
      this.onLoad();
    }
  }

  // Least recently drawn first; tiles drawn in the current frame are never evicted.
  evict() {
    const ready = [...this.entries].filter(([, e]) => e.state === "ready");
    if (ready.length <= this.capacity) return;
    ready.sort((a, b) => a[1].used - b[1].used);
    for (const [url, entry] of ready.slice(0, ready.length - this.capacity)) {
      if (entry.used >= this.clock) break;
      entry.bitmap.close();
      this.entries.delete(url);
    }
  }
}
