// The metadata forms: ontology autocomplete, identifier checks, saving through the API.
//
// The form is rendered by the server from the schema; this module reads it back into a
// document by the same slot names (data-slot, data-object, data-list), checks what can be
// checked in the browser (a term must be picked from the ontology, an ORCID's check digit,
// a ROR's checksum) and saves through the describe API, which checks everything again and
// answers refusals field by field.

import { checkPid } from "./pids.js";

const form = document.getElementById("metadata-form");
const stored = JSON.parse(document.getElementById("stored-document")?.textContent || "{}");
const status = document.getElementById("form-status");
const errorList = document.getElementById("form-errors");
const api = form?.dataset.save.replace(/\/(projects|images)\/.*$/, "");

// ---- reading the form ----------------------------------------------------------------------

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

function isEmpty(value) {
  return (
    value === null ||
    value === undefined ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0)
  );
}

/** The value of one input, or an error message; null means "empty". */
function readInput(input) {
  const kind = input.dataset.kind;
  const text = input.value.trim();
  if (kind === "term") {
    if (!text) return { value: null };
    if (!input.dataset.termId) {
      return { error: `“${text}” is not a term: pick one from the ${input.dataset.ontology} list` };
    }
    return { value: { term_id: input.dataset.termId } };
  }
  if ("multivalued" in input.dataset) {
    const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
    if (input.dataset.pid) {
      for (const line of lines) {
        const problem = checkPid(input.dataset.pid, line);
        if (problem) return { error: problem };
      }
    }
    if (kind === "number" || kind === "integer") return { value: lines.map(Number) };
    return { value: lines.length ? lines : null };
  }
  if (!text) return { value: null };
  if (input.dataset.pid) {
    const problem = checkPid(input.dataset.pid, text);
    return problem ? { error: problem } : { value: text };
  }
  if (kind === "number") return { value: Number(text) };
  if (kind === "integer") return { value: Number.parseInt(text, 10) };
  if (kind === "boolean") return { value: text === "true" };
  return { value: text };
}

/**
 * Read the fields inside `container` onto a copy of `base` (so fields the form does not show
 * are kept); record each input's path in `paths` and each problem in `problems`.
 */
function readFields(container, base, prefix, paths, problems, leaves) {
  const result = clone(base) || {};
  for (const child of container.children) {
    if (child.classList.contains("field")) {
      const input = child.querySelector("[data-slot]");
      const slot = input.dataset.slot;
      const path = prefix + slot;
      paths.set(path, child);
      const read = readInput(input);
      if (read.error) {
        problems.push({ element: child, reason: read.error });
        continue;
      }
      leaves.set(path, read.value);
      if (isEmpty(read.value)) delete result[slot];
      else result[slot] = read.value;
    } else if (child.dataset.object) {
      const slot = child.dataset.object;
      paths.set(prefix + slot, child);
      const inner = child.querySelector(":scope > .fields");
      const value = readFields(inner, result[slot], `${prefix}${slot}.`, paths, problems, leaves);
      if (isEmpty(value)) delete result[slot];
      else result[slot] = value;
    } else if (child.dataset.list) {
      const slot = child.dataset.list;
      paths.set(prefix + slot, child);
      const before = Array.isArray(result[slot]) ? result[slot] : [];
      const items = [];
      for (const item of child.querySelectorAll(":scope > .items > [data-item]")) {
        const original = item.dataset.index !== undefined ? before[Number(item.dataset.index)] : {};
        const at = `${prefix}${slot}[${items.length}].`;
        const inner = item.querySelector(":scope > .fields");
        const value = readFields(inner, original, at, paths, problems, leaves);
        paths.set(at.slice(0, -1), item);
        // Where this item lands in the saved list: its index in the stored document next time.
        if (isEmpty(value)) delete item.dataset.nextIndex;
        else item.dataset.nextIndex = String(items.length);
        if (!isEmpty(value)) items.push(value);
      }
      if (items.length) result[slot] = items;
      else delete result[slot];
    }
  }
  return result;
}

function readForm() {
  const paths = new Map();
  const problems = [];
  const leaves = new Map();
  const root = form.querySelector("[data-root]");
  const document_ = readFields(root, stored, "", paths, problems, leaves);
  return { document: document_, paths, problems, leaves };
}

// ---- showing problems ----------------------------------------------------------------------

function clearErrors() {
  for (const p of form.querySelectorAll(".field-error")) {
    p.hidden = true;
    p.textContent = "";
  }
  for (const field of form.querySelectorAll(".invalid")) field.classList.remove("invalid");
  errorList.hidden = true;
  errorList.replaceChildren();
}

function showError(element, reason) {
  let message = element.querySelector(":scope > .field-error");
  if (!message) {
    message = document.createElement("p");
    message.className = "field-error";
    message.setAttribute("role", "alert");
    element.append(message);
  }
  message.textContent = reason;
  message.hidden = false;
  element.classList.add("invalid");
}

/** Where a path the server names is shown: the field, else its nearest shown parent. */
function elementFor(paths, path) {
  let current = path;
  while (current) {
    if (paths.has(current)) return paths.get(current);
    current = current.replace(/(\[\d+\]|\.[^.[\]]+|^[^.[\]]+)$/, "");
  }
  return null;
}

function showProblems(problems, paths) {
  const unplaced = [];
  for (const problem of problems) {
    const element = problem.element || elementFor(paths, problem.field || "");
    if (element) showError(element, problem.reason);
    else unplaced.push(problem);
  }
  for (const problem of unplaced) {
    const item = document.createElement("li");
    item.textContent = problem.field ? `${problem.field}: ${problem.reason}` : problem.reason;
    errorList.append(item);
  }
  errorList.hidden = unplaced.length === 0;
  const first = form.querySelector(".invalid");
  first?.scrollIntoView({ block: "center" });
  first?.querySelector("input, select, textarea")?.focus({ preventScroll: true });
}

// ---- saving --------------------------------------------------------------------------------

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)imagesteward_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

const initial = form ? readForm().leaves : new Map();

function request(template) {
  const { document: document_, paths, problems, leaves } = readForm();
  if (form.dataset.kind === "study") {
    const query = template ? `?template=${encodeURIComponent(template)}` : "";
    return { paths, problems, method: "PUT", url: form.dataset.save + query, body: document_ };
  }
  // An image is annotated field by field: only what changed is sent, so values the reader
  // captured from the file are never sent back (the server refuses to overwrite them).
  const values = {};
  for (const [path, value] of leaves) {
    if (JSON.stringify(value) !== JSON.stringify(initial.get(path))) values[path] = value;
  }
  return { paths, problems, method: "PATCH", url: form.dataset.save, body: { values } };
}

async function refreshCompleteness() {
  // The page renders the panel; fetching the page again gives it with the new scores.
  const response = await fetch(location.pathname, { headers: { Accept: "text/html" } });
  if (!response.ok) return;
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const fresh = page.getElementById("completeness");
  const current = document.getElementById("completeness");
  if (fresh && current) current.replaceWith(fresh);
}

async function save(template = "") {
  clearErrors();
  const { paths, problems, method, url, body } = request(template);
  if (problems.length) {
    status.textContent = `Not saved: ${problems.length} field(s) need attention.`;
    showProblems(problems, paths);
    return;
  }
  if (method === "PATCH" && Object.keys(body.values).length === 0) {
    status.textContent = "Nothing has changed.";
    return;
  }
  status.textContent = "Saving…";
  form.setAttribute("aria-busy", "true");
  try {
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const found = answer.details?.problems;
      status.textContent = `Not saved: ${answer.detail || response.statusText}`;
      if (Array.isArray(found) && found.length) showProblems(found, paths);
      return;
    }
    if (template || (method === "PUT" && answer.still_asked?.length)) {
      // A template changed fields the form does not hold yet: show the saved document.
      sessionStorage.setItem(
        "imagesteward.saved",
        answer.still_asked?.length ? `Saved. The template still asks for: ${answer.still_asked.join(", ")}.` : "Saved.",
      );
      location.reload();
      return;
    }
    for (const item of form.querySelectorAll("[data-item]")) {
      if (item.dataset.nextIndex === undefined) delete item.dataset.index;
      else item.dataset.index = item.dataset.nextIndex;
    }
    Object.assign(stored, answer.document || {});
    for (const key of Object.keys(stored)) if (!(key in (answer.document || {}))) delete stored[key];
    initial.clear();
    for (const [path, value] of readForm().leaves) initial.set(path, value);
    await refreshCompleteness();
    status.textContent = "Saved.";
  } catch (error) {
    status.textContent = `Not saved: ${error.message}`;
  } finally {
    form.removeAttribute("aria-busy");
  }
}

// ---- ontology autocomplete -----------------------------------------------------------------

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

function pick(input, term) {
  input.value = term.label;
  input.dataset.termId = term.id;
  input.dataset.termLabel = term.label;
  input.closest(".term-widget").querySelector(".term-id").textContent = term.id;
  closeList(input);
  const field = input.closest(".field");
  field.classList.remove("invalid");
  const message = field.querySelector(".field-error");
  if (message) message.hidden = true;
}

function closeList(input) {
  const list = input.closest(".term-widget").querySelector(".term-options");
  list.hidden = true;
  list.replaceChildren();
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
}

let optionCounter = 0;

async function suggest(input) {
  const text = input.value.trim();
  const list = input.closest(".term-widget").querySelector(".term-options");
  if (text.length < 2) {
    closeList(input);
    return;
  }
  const params = new URLSearchParams({ q: text, ontology: input.dataset.ontology, limit: "8" });
  const response = await fetch(`${api}/ontology/terms?${params}`);
  if (!response.ok || input.value.trim() !== text) return; // a newer keystroke wins
  const { items } = await response.json();
  list.replaceChildren();
  for (const term of items) {
    const option = document.createElement("li");
    option.setAttribute("role", "option");
    option.id = `term-option-${++optionCounter}`;
    option.dataset.termId = term.id;
    const label = document.createElement("span");
    label.className = "option-label";
    label.textContent = term.label;
    const id = document.createElement("span");
    id.className = "option-id";
    id.textContent = term.id;
    option.append(label, " ", id);
    const folded = text.toLowerCase();
    const synonym = term.synonyms.find((s) => s.toLowerCase().includes(folded));
    if (synonym && !term.label.toLowerCase().includes(folded)) {
      const note = document.createElement("span");
      note.className = "option-synonym";
      note.textContent = `also “${synonym}”`;
      option.append(" ", note);
    }
    // mousedown, not click: the input must not lose its value to blur first.
    option.addEventListener("mousedown", (event) => {
      event.preventDefault();
      pick(input, term);
    });
    list.append(option);
  }
  if (!items.length) {
    const none = document.createElement("li");
    none.className = "no-match";
    none.textContent = `No ${input.dataset.ontology} term matches “${text}”.`;
    list.append(none);
  }
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
}

function moveActive(input, step) {
  const options = [...input.closest(".term-widget").querySelectorAll("[role='option']")];
  if (!options.length) return;
  const current = options.findIndex((o) => o.getAttribute("aria-selected") === "true");
  const next = (current + step + options.length) % options.length;
  options.forEach((o, i) => o.setAttribute("aria-selected", String(i === next)));
  input.setAttribute("aria-activedescendant", options[next].id);
}

function wireTerm(input) {
  const lookup = debounce(() => suggest(input), 150);
  input.addEventListener("input", () => {
    // Typing changes the text: the term picked before no longer stands.
    input.dataset.termId = "";
    input.closest(".term-widget").querySelector(".term-id").textContent = "";
    lookup();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      moveActive(input, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      const active = input.closest(".term-widget").querySelector("[aria-selected='true']");
      if (active) {
        event.preventDefault();
        active.dispatchEvent(new MouseEvent("mousedown", { cancelable: true }));
      }
    } else if (event.key === "Escape") {
      closeList(input);
    }
  });
  input.addEventListener("blur", () => {
    closeList(input);
    const read = readInput(input);
    if (read.error) showError(input.closest(".field"), read.error);
  });
}

function wirePid(input) {
  input.addEventListener("blur", () => {
    const field = input.closest(".field");
    const read = readInput(input);
    if (read.error) showError(field, read.error);
    else {
      field.classList.remove("invalid");
      const message = field.querySelector(".field-error");
      if (message) message.hidden = true;
    }
  });
}

function wire(root) {
  for (const input of root.querySelectorAll(".term-input")) wireTerm(input);
  for (const input of root.querySelectorAll("[data-pid]")) wirePid(input);
}

// ---- repeated objects ----------------------------------------------------------------------

function onClick(event) {
  const add = event.target.closest(".add-item");
  if (add) {
    const group = add.closest("[data-list]");
    const fresh = group.querySelector(":scope > template").content.firstElementChild.cloneNode(true);
    group.querySelector(":scope > .items").append(fresh);
    wire(fresh);
    fresh.querySelector("input, textarea, select")?.focus();
    return;
  }
  const remove = event.target.closest(".remove-item");
  if (remove) remove.closest("[data-item]").remove();
}

if (form && !("readonly" in form.dataset)) {
  wire(form);
  form.addEventListener("click", onClick);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  document.getElementById("apply-template")?.addEventListener("click", () => {
    const chosen = document.getElementById("template-choice").value;
    if (chosen) save(chosen);
    else status.textContent = "Choose a template first.";
  });
  const saved = sessionStorage.getItem("imagesteward.saved");
  if (saved) {
    status.textContent = saved;
    sessionStorage.removeItem("imagesteward.saved");
  }
}
