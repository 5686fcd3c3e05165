// The image page's viewer: reads the configuration the server embedded, builds the viewer
// and its panel, and keeps the page URL's hash equal to the view (a link restores it).

import { buildControls } from "./controls.js";
import { bindInput } from "./input.js";
import { fromHash, parseChannels, toHash } from "./state.js";
import { Viewer } from "./viewer.js";

const URL_DELAY_MS = 250; // the address bar follows the view at this pace, not every frame
const STATUS_DELAY_MS = 400; // screen readers hear where the view settled, not every step

const section = document.getElementById("viewer");
const config = JSON.parse(document.getElementById("viewer-config").textContent);
const part = (role) => section.querySelector(`[data-role="${role}"]`);
const canvas = part("canvas");
const stage = part("stage");
const linkField = part("link");
const statusLine = part("status");
const bar = part("scale-bar");

let urlTimer = null;
let statusTimer = null;
let frames = 0; // data-frame: lets tests (and curious people) see that a frame was drawn
const viewer = new Viewer(canvas, config, () => {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(writeUrl, URL_DELAY_MS);
  section.dataset.z = String(viewer.z);
  section.dataset.t = String(viewer.t);
});

function writeUrl() {
  const { cx, cy, zoom } = viewer.camera;
  const hash = toHash({ cx, cy, zoom, z: viewer.z, t: viewer.t, channels: viewer.channels, defaults: viewer.defaults });
  history.replaceState(history.state, "", hash);
  linkField.value = location.href;
}

viewer.onOverlay = ({ bar: scale, level, pending }) => {
  bar.querySelector(".bar").style.width = `${scale.width.toFixed(1)}px`;
  bar.querySelector(".label").textContent = scale.label;
  frames += 1;
  section.dataset.frame = String(frames);
  section.dataset.level = String(level);
  section.dataset.zoom = viewer.camera.zoom.toPrecision(4);
  section.dataset.pending = String(pending);
  stage.classList.toggle("is-loading", pending > 0);
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => {
    const levels = viewer.pyramid.levels.length;
    const percent = Math.round(viewer.camera.zoom * 100);
    const failed = viewer.cache.failures ? ` · ${viewer.cache.failures} tiles failed to load` : "";
    statusLine.textContent = `Zoom ${percent} % · resolution level ${level + 1} of ${levels}${failed}`;
  }, STATUS_DELAY_MS);
};

/** Apply what the hash says (on load, and when someone edits or pastes the address). */
function applyHash(hash) {
  const wanted = fromHash(hash);
  viewer.channels = parseChannels(wanted.c, viewer.defaults);
  viewer.setPlane(wanted.z ?? viewer.z, wanted.t ?? viewer.t);
  if (wanted.cx !== null && wanted.cy !== null && wanted.zoom !== null) {
    viewer.camera.set(wanted.cx, wanted.cy, wanted.zoom);
  } else {
    viewer.camera.fit();
  }
  controls.sync();
  viewer.changed();
}

const controls = buildControls(viewer, section, config);

// -- full screen: the Fullscreen API where there is one, else the viewer fills the window ----

const fullscreenButton = section.querySelector('[data-action="fullscreen"]');
function showFullscreenState() {
  const on = document.fullscreenElement === section || section.classList.contains("is-maximized");
  section.classList.toggle("is-fullscreen", on);
  fullscreenButton.setAttribute("aria-pressed", String(on));
  fullscreenButton.setAttribute("aria-label", on ? "Leave full screen" : "Full screen");
}
async function toggleFullscreen() {
  if (document.fullscreenElement) {
    await document.exitFullscreen();
  } else if (section.classList.contains("is-maximized")) {
    section.classList.remove("is-maximized");
  } else {
    try {
      await section.requestFullscreen();
    } catch {
      section.classList.add("is-maximized"); // e.g. iPhone Safari: no element full screen
    }
  }
  showFullscreenState();
  canvas.focus();
}
document.addEventListener("fullscreenchange", showFullscreenState);
section.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && section.classList.contains("is-maximized")) {
    section.classList.remove("is-maximized");
    showFullscreenState();
  }
});

// -- buttons and keys ---------------------------------------------------------------------------

const actions = {
  "zoom-in": () => viewer.camera.zoomAt(1.5),
  "zoom-out": () => viewer.camera.zoomAt(1 / 1.5),
  fit: () => viewer.camera.fit(),
};
section.querySelectorAll("[data-action]").forEach((button) => {
  const name = button.dataset.action;
  button.addEventListener("click", () => {
    if (name === "fullscreen") toggleFullscreen();
    else if (name === "copy-link") copyLink(button);
    else {
      actions[name]();
      viewer.changed();
    }
  });
});

async function copyLink(button) {
  writeUrl();
  try {
    await navigator.clipboard.writeText(linkField.value);
    button.textContent = "Copied";
  } catch {
    linkField.select(); // no clipboard access (plain HTTP on another host): select to copy
    button.textContent = "Press Ctrl+C";
  }
  setTimeout(() => (button.textContent = "Copy"), 2000);
}

bindInput(viewer, {
  onKey(event) {
    if (event.key === "f") toggleFullscreen();
    else if (event.key === "PageUp") viewer.setPlane(viewer.z + 1, viewer.t);
    else if (event.key === "PageDown") viewer.setPlane(viewer.z - 1, viewer.t);
    else return false;
    controls.sync();
    return true;
  },
});

window.addEventListener("hashchange", () => applyHash(location.hash));

// The first layout gives the canvas its size; only then can "fit" or the hash's zoom apply.
let placed = false;
new ResizeObserver(() => {
  viewer.resize(canvas.clientWidth, canvas.clientHeight);
  if (!placed) {
    placed = true;
    applyHash(location.hash);
    section.dataset.ready = "true";
  } else {
    viewer.changed();
  }
}).observe(canvas);
