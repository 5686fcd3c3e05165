// Pan and zoom from every input device: mouse drag and wheel, trackpad, touch (one finger
// pans, two pinch), and the keyboard when the canvas has focus.
//
// Pointer events cover mouse, pen and touch alike; with ``touch-action: none`` on the canvas
// the browser leaves the gestures to us instead of scrolling the page.

const KEY_PAN_FRACTION = 0.15; // of the canvas per arrow key press
const KEY_ZOOM = 1.5;

/** Wheel ``deltaY`` to a zoom factor: lines and pages are converted to pixels first. */
function wheelFactor(event) {
  const pixels = event.deltaY * (event.deltaMode === 1 ? 33 : event.deltaMode === 2 ? 600 : 1);
  // Trackpad pinches arrive as small ctrl+wheel deltas: make them as lively as the fingers.
  return Math.exp(-pixels * (event.ctrlKey ? 0.01 : 0.002));
}

/**
 * @param {import("./viewer.js").Viewer} viewer
 * @param {{onKey?: (event: KeyboardEvent) => boolean}} hooks onKey handles other keys
 */
export function bindInput(viewer, { onKey } = {}) {
  const canvas = viewer.canvas;
  const camera = viewer.camera;
  const pointers = new Map(); // pointerId -> {x, y}

  const local = (event) => {
    const box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  };
  const spread = () => {
    const [a, b] = [...pointers.values()];
    return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, distance: Math.hypot(a.x - b.x, a.y - b.y) };
  };

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    canvas.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, local(event));
    canvas.classList.add("is-dragging");
  });

  canvas.addEventListener("pointermove", (event) => {
    const previous = pointers.get(event.pointerId);
    if (!previous) return;
    const before = pointers.size === 2 ? spread() : null;
    const now = local(event);
    pointers.set(event.pointerId, now);
    if (before) {
      const after = spread();
      if (before.distance > 0) camera.zoomAt(after.distance / before.distance, after.x, after.y);
      camera.panBy(after.x - before.x, after.y - before.y);
    } else if (pointers.size === 1) {
      camera.panBy(now.x - previous.x, now.y - previous.y);
    }
    viewer.changed();
  });

  const release = (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size === 0) canvas.classList.remove("is-dragging");
  };
  canvas.addEventListener("pointerup", release);
  canvas.addEventListener("pointercancel", release);

  canvas.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault(); // the wheel zooms the image, not the page
      const at = local(event);
      camera.zoomAt(wheelFactor(event), at.x, at.y);
      viewer.changed();
    },
    { passive: false },
  );

  canvas.addEventListener("dblclick", (event) => {
    const at = local(event);
    camera.zoomAt(event.shiftKey ? 0.5 : 2, at.x, at.y);
    viewer.changed();
  });

  canvas.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const stepX = camera.width * KEY_PAN_FRACTION;
    const stepY = camera.height * KEY_PAN_FRACTION;
    const actions = {
      ArrowLeft: () => camera.panBy(stepX, 0),
      ArrowRight: () => camera.panBy(-stepX, 0),
      ArrowUp: () => camera.panBy(0, stepY),
      ArrowDown: () => camera.panBy(0, -stepY),
      "+": () => camera.zoomAt(KEY_ZOOM),
      "=": () => camera.zoomAt(KEY_ZOOM),
      "-": () => camera.zoomAt(1 / KEY_ZOOM),
      _: () => camera.zoomAt(1 / KEY_ZOOM),
      0: () => camera.fit(),
    };
    const action = actions[event.key];
    if (action) {
      action();
      viewer.changed();
      event.preventDefault();
    } else if (onKey?.(event)) {
      event.preventDefault();
    }
  });
}
