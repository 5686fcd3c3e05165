// The viewer's side panel: Z and T sliders, and per channel visibility, colour, contrast
// window (with the channel's histogram and auto-contrast) and gamma. RGB images get the
// visibility toggles only: their channels are the colour of each pixel, not stains.

import { drawHistogram, loadHistogram, percentileWindow } from "./histogram.js";

const SETTLE_MS = 120; // slider drags re-render tiles at most this often

/** Call ``fn`` at once, then at most every ``ms``; the last call always gets through. */
function throttle(fn, ms) {
  let timer = null;
  let pending = null;
  const fire = () => {
    if (!pending) {
      timer = null;
      return;
    }
    const args = pending;
    pending = null;
    fn(...args);
    timer = setTimeout(fire, ms);
  };
  return (...args) => {
    pending = args;
    if (!timer) fire();
  };
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function formatValue(value, integer) {
  return integer ? String(Math.round(value)) : Number(value.toPrecision(4)).toString();
}

const INTEGER_LIMITS = {
  uint8: [0, 255], int8: [-128, 127], uint16: [0, 65535], int16: [-32768, 32767],
  uint32: [0, 4294967295], int32: [-2147483648, 2147483647],
};

/** The span a channel's contrast sliders cover: data extremes and default window. */
function sliderSpan(view, channel) {
  const [start, end] = channel.window;
  const known = channel.data_range;
  let lo = Math.min(start, known ? known[0] : start);
  let hi = Math.max(end, known ? known[1] : end);
  if (!known && INTEGER_LIMITS[view.dtype]) [lo, hi] = INTEGER_LIMITS[view.dtype];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/**
 * Build the panel into ``root`` and keep it in step with ``viewer``.
 * @returns {{sync: () => void}} sync re-reads the viewer's state (after a hash change)
 */
export function buildControls(viewer, root, config) {
  const view = viewer.view;
  const integer = !view.dtype.startsWith("float");
  const planes = buildPlanes(viewer, root.querySelector('[data-role="planes"]'), config);
  const fieldset = root.querySelector('[data-role="channels"]');
  const rows = view.channels.map((channel) =>
    view.is_rgb ? rgbRow(viewer, channel) : channelRow(viewer, channel, integer, config),
  );
  fieldset.append(...rows.map((row) => row.node));
  return {
    sync() {
      planes.sync();
      rows.forEach((row) => row.sync());
    },
  };
}

function buildPlanes(viewer, root, config) {
  const view = viewer.view;
  const sliders = [];
  const add = (axis, label, count, describe) => {
    if (count <= 1) return;
    const id = `plane-${axis}`;
    const input = element("input", { id, type: "range", min: "0", max: String(count - 1), step: "1" });
    const output = element("output", { for: id });
    const row = element("div", { class: "plane" }, [element("label", { for: id, text: label }), input, output]);
    const show = () => {
      input.value = String(viewer[axis]);
      output.textContent = `${viewer[axis] + 1} / ${count}${describe(viewer[axis])}`;
    };
    const apply = throttle(() => {
      viewer.setPlane(axis === "z" ? Number(input.value) : viewer.z, axis === "t" ? Number(input.value) : viewer.t);
    }, SETTLE_MS);
    input.addEventListener("input", () => {
      output.textContent = `${Number(input.value) + 1} / ${count}${describe(Number(input.value))}`;
      apply();
    });
    root.append(row);
    sliders.push(show);
    show();
  };
  const zStep = config.pixelSizeUm?.z;
  const tStep = config.timeIncrementS;
  const zShown = view.plane_axes[0] !== "z";
  if (zShown) add("z", "Z", view.size_z, (z) => (zStep ? ` · ${formatMicrometres(z * zStep)}` : ""));
  add("t", "Time", view.size_t, (t) => (tStep ? ` · ${formatSeconds(t * tStep)}` : ""));
  return { sync: () => sliders.forEach((show) => show()) };
}

function formatMicrometres(value) {
  return value >= 1000 ? `${Number((value / 1000).toPrecision(4))} mm` : `${Number(value.toPrecision(4))} µm`;
}

function formatSeconds(value) {
  if (value >= 3600) return `${Number((value / 3600).toPrecision(3))} h`;
  if (value >= 120) return `${Number((value / 60).toPrecision(3))} min`;
  return `${Number(value.toPrecision(3))} s`;
}

function rgbRow(viewer, channel) {
  const id = `channel-${channel.index}-visible`;
  const box = element("input", { id, type: "checkbox" });
  box.addEventListener("change", () => viewer.setChannel(channel.index, { visible: box.checked }));
  const node = element("div", { class: "channel rgb" }, [
    element("div", { class: "channel-head" }, [box, element("label", { for: id, text: channel.name })]),
  ]);
  const sync = () => {
    box.checked = viewer.channels[channel.index].visible;
  };
  sync();
  return { node, sync };
}

function channelRow(viewer, channel, integer, config) {
  const index = channel.index;
  const prefix = `channel-${index}`;
  const state = () => viewer.channels[index];
  let [spanLo, spanHi] = sliderSpan(viewer.view, channel);
  let histogram = null;

  const visible = element("input", { id: `${prefix}-visible`, type: "checkbox" });
  const color = element("input", { id: `${prefix}-color`, type: "color", "aria-label": `Colour of ${channel.name}` });
  const auto = element("button", { type: "button", disabled: "", "aria-label": `Auto contrast for ${channel.name}`, text: "Auto" });
  const reset = element("button", { type: "button", "aria-label": `Default contrast for ${channel.name}`, text: "Reset" });
  const chart = element("canvas", { class: "histogram", width: "240", height: "36", "aria-hidden": "true" });
  const slider = (which, label) => {
    const input = element("input", { id: `${prefix}-${which}`, type: "range" });
    const output = element("output", { for: `${prefix}-${which}` });
    const row = element("div", { class: "range" }, [
      element("label", { for: `${prefix}-${which}`, text: label }), input, output,
    ]);
    return { input, output, row };
  };
  const low = slider("min", "Min");
  const high = slider("max", "Max");
  const gamma = slider("gamma", "Gamma");
  Object.assign(gamma.input, { min: "-1", max: "1", step: "0.01" }); // log10 of gamma: 0.1 to 10
  low.input.setAttribute("aria-label", `Minimum of ${channel.name}`);
  high.input.setAttribute("aria-label", `Maximum of ${channel.name}`);
  gamma.input.setAttribute("aria-label", `Gamma of ${channel.name}`);

  const node = element("div", { class: "channel" }, [
    element("div", { class: "channel-head" }, [
      visible, element("label", { for: `${prefix}-visible`, text: channel.name }), color, auto, reset,
    ]),
    chart, low.row, high.row, gamma.row,
  ]);

  // What the panel shows: the viewer's settings, or the drag in progress ahead of them.
  let shown = { ...state(), window: [...state().window] };
  const setSpan = () => {
    const step = integer ? 1 : (spanHi - spanLo) / 1000;
    for (const { input } of [low, high]) {
      Object.assign(input, { min: String(spanLo), max: String(spanHi), step: String(step) });
    }
  };
  const render = () => {
    node.style.setProperty("--channel", `#${shown.color}`);
    node.classList.toggle("is-hidden", !shown.visible);
    visible.checked = shown.visible;
    color.value = `#${shown.color.toLowerCase()}`;
    spanLo = Math.min(spanLo, shown.window[0]);
    spanHi = Math.max(spanHi, shown.window[1]);
    setSpan();
    low.input.value = String(shown.window[0]);
    high.input.value = String(shown.window[1]);
    low.output.textContent = formatValue(shown.window[0], integer);
    high.output.textContent = formatValue(shown.window[1], integer);
    gamma.input.value = String(Math.log10(shown.gamma));
    gamma.output.textContent = shown.gamma.toFixed(2);
    if (histogram) drawHistogram(chart, histogram, shown.window, [spanLo, spanHi], `#${shown.color}`);
  };
  const sync = () => {
    shown = { ...state(), window: [...state().window] };
    render();
  };
  // The whole channel goes to the viewer, so quick changes of two settings cannot lose one.
  const commit = () => viewer.setChannel(index, { ...shown, window: [...shown.window] });
  const apply = throttle(commit, SETTLE_MS);
  const change = (settings, throttled = false) => {
    Object.assign(shown, settings);
    render();
    if (throttled) apply();
    else commit();
  };

  visible.addEventListener("change", () => change({ visible: visible.checked }));
  color.addEventListener("input", () => change({ color: color.value.slice(1).toUpperCase() }, true));
  const onWindow = (moved) => {
    let lo = Number(low.input.value);
    let hi = Number(high.input.value);
    const step = Number(low.input.step) || 1;
    // The window is never empty: the thumb not being dragged makes way.
    if (hi - lo < step) {
      if (moved === "min") lo = hi - step;
      else hi = lo + step;
    }
    change({ window: [lo, hi] }, true);
  };
  low.input.addEventListener("input", () => onWindow("min"));
  high.input.addEventListener("input", () => onWindow("max"));
  gamma.input.addEventListener("input", () => {
    change({ gamma: Number((10 ** Number(gamma.input.value)).toFixed(2)) }, true);
  });
  reset.addEventListener("click", () => change({ window: [...channel.window], gamma: 1 }));
  auto.addEventListener("click", () => {
    if (histogram) change({ window: percentileWindow(histogram, integer) });
  });

  loadHistogram(config.histogram.replace("{channel}", String(index))).then((loaded) => {
    if (!loaded) return;
    histogram = loaded;
    spanLo = Math.min(spanLo, loaded.edges[0]);
    spanHi = Math.max(spanHi, loaded.edges[loaded.edges.length - 1]);
    auto.removeAttribute("disabled");
    render();
  });
  sync();
  return { node, sync };
}
