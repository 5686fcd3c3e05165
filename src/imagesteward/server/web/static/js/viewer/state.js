// The viewer's state (channels, plane, position, zoom) and its two spellings: the tiles'
// ``c`` parameter and the page URL's hash, which makes any view a shareable link.
//
// ``c`` is the API's grammar (docs/api.md): ``index|RRGGBB|start:end|gamma`` per channel,
// comma-separated, ``-`` before a hidden channel's index. The hash uses it too, so a link
// names exactly the tiles it shows:  #x=1024&y=768&zoom=0.5&z=3&t=0&c=0|0000FF|100:3000|1,...

/** Channel settings as the view document gives them. */
export function defaultChannels(view) {
  return view.channels.map((c) => ({
    index: c.index,
    name: c.name,
    visible: c.visible,
    color: c.color.toUpperCase(),
    window: [c.window[0], c.window[1]],
    gamma: 1,
  }));
}

// The API's numbers are plain decimals (no exponent); six decimals is finer than any window.
export function formatNumber(value) {
  if (Number.isInteger(value)) return String(value);
  const clamped = Math.max(-1e15, Math.min(1e15, value));
  return clamped.toFixed(6).replace(/\.?0+$/, "");
}

function sameChannel(a, b) {
  return (
    a.visible === b.visible &&
    a.color === b.color &&
    a.window[0] === b.window[0] &&
    a.window[1] === b.window[1] &&
    a.gamma === b.gamma
  );
}

function channelText(channel, full) {
  const index = channel.visible ? `${channel.index}` : `-${channel.index}`;
  if (!channel.visible && !full) return index;
  const [start, end] = channel.window;
  return `${index}|${channel.color}|${formatNumber(start)}:${formatNumber(end)}|${formatNumber(channel.gamma)}`;
}

/**
 * The ``c`` value: "" when every channel is as the defaults say (then the tile URLs are the
 * defaults' and shared with every other visitor's cache). For tiles a hidden channel is just
 * ``-i`` (its settings do not change the pixels); for the URL hash (``full``) it keeps them.
 */
export function channelsParameter(channels, defaults, full = false) {
  if (channels.every((c, i) => sameChannel(c, defaults[i]))) return "";
  return channels.map((c) => channelText(c, full)).join(",");
}

/** Parse a ``c`` value onto the defaults; parts that do not parse are ignored. */
export function parseChannels(text, defaults) {
  const channels = defaults.map((c) => ({ ...c, window: [...c.window] }));
  if (!text) return channels;
  for (const part of text.split(",")) {
    const [head, color, window, gamma] = part.split("|");
    const match = /^(-?)(\d+)$/.exec(head ?? "");
    if (!match) continue;
    const channel = channels[Number(match[2])];
    if (!channel) continue;
    channel.visible = match[1] !== "-";
    if (color && /^[0-9A-Fa-f]{6}$/.test(color)) channel.color = color.toUpperCase();
    const bounds = (window ?? "").split(":").map(Number);
    if (bounds.length === 2 && bounds.every(Number.isFinite) && bounds[0] < bounds[1]) {
      channel.window = bounds;
    }
    const g = Number(gamma);
    if (gamma && Number.isFinite(g) && g >= 0.01 && g <= 100) channel.gamma = g;
  }
  return channels;
}

/** The hash of a view: position (level-0 pixels), zoom, plane and channels. */
export function toHash({ cx, cy, zoom, z, t, channels, defaults }) {
  const params = new URLSearchParams();
  params.set("x", cx.toFixed(1));
  params.set("y", cy.toFixed(1));
  params.set("zoom", zoom.toPrecision(4));
  params.set("z", String(z));
  params.set("t", String(t));
  const c = channelsParameter(channels, defaults, true);
  if (c) params.set("c", c);
  return `#${params}`;
}

/** What a hash says; every field is optional (missing ones keep their defaults). */
export function fromHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const number = (name) => {
    const value = params.get(name);
    if (value === null || value.trim() === "") return null;
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  };
  const zoom = number("zoom");
  return {
    cx: number("x"),
    cy: number("y"),
    zoom: zoom !== null && zoom > 0 ? zoom : null,
    z: number("z"),
    t: number("t"),
    c: params.get("c"),
  };
}
