// Signing in and out, the share / visibility / reviewer-link dialogs, and reviewer links
// opened in a browser. Every change goes through the REST API, which checks it against the
// access policy; this script only asks. Changes carry the CSRF value of the session cookie
// pair in the X-CSRF-Token header (double submit), as the session API requires.

const CSRF_COOKIE = "imagesteward_csrf";

export function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return "";
}

// A request to the API: {ok, status, body, retryAfter}; problem documents' `detail` is the text.
export async function call(method, url, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = cookie(CSRF_COOKIE);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, status: 0, body: { detail: "The server cannot be reached; try again." } };
  }
  let parsed = null;
  if (response.status !== 204) {
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
  }
  return {
    ok: response.ok,
    status: response.status,
    body: parsed,
    retryAfter: Number(response.headers.get("Retry-After")) || 0,
  };
}

function problemText(result, fallback) {
  const detail = result.body && result.body.detail;
  if (typeof detail === "string" && detail) return detail;
  if (Array.isArray(detail) && detail.length) return detail.map((d) => d.msg).join("; ");
  return fallback;
}

function show(element, text, kind = "error") {
  if (!element) return;
  element.textContent = text;
  element.dataset.kind = kind;
  element.hidden = !text;
}

// -- signing in and out -------------------------------------------------------------------

// What a failed sign-in says: one message whatever was wrong (the server's, which is the same
// for an unknown name, a wrong password and a disabled account), or how long to wait.
export function loginFailure(result) {
  if (result.status === 429) {
    const minutes = Math.max(1, Math.ceil((result.retryAfter || 60) / 60));
    return `Too many failed sign-ins; try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
  }
  if (result.status === 401) return problemText(result, "Unknown user name or wrong password.");
  if (result.status === 422) return "Enter a user name and a password.";
  return problemText(result, `Signing in failed (HTTP ${result.status}); try again.`);
}

function setUpLogin(form) {
  const message = document.getElementById("login-message");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    if (!username || !password) {
      show(message, "Enter a user name and a password.");
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    show(message, "");
    const result = await call("POST", form.action, { username, password });
    button.disabled = false;
    if (result.ok) {
      location.assign(form.dataset.next || "/");
      return;
    }
    form.elements.password.value = "";
    show(message, loginFailure(result));
    form.elements.password.focus();
  });
}

function setUpAccount(account) {
  const api = account.dataset.api;
  const root = account.dataset.root;
  const signOut = account.querySelector("[data-sign-out]");
  if (signOut) {
    signOut.addEventListener("click", async () => {
      await call("DELETE", `${api}/session`);
      location.assign(`${root}/`);
    });
  }
  const leave = account.querySelector("[data-leave-review]");
  if (leave) {
    leave.addEventListener("click", async () => {
      await call("DELETE", `${api}/review`);
      location.assign(`${root}/`);
    });
  }
  // The menu closes with Escape and when the focus or a click goes elsewhere.
  const menu = account.querySelector("details");
  if (menu) {
    document.addEventListener("click", (event) => {
      if (!menu.contains(event.target)) menu.open = false;
    });
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }
}

// -- reviewer links in a browser ------------------------------------------------------------

async function openReview(section) {
  const status = section.querySelector("[data-review-status]");
  const link = decodeURIComponent(location.hash.slice(1)).trim();
  if (!link) {
    status.textContent =
      "This address holds no reviewer link. Use the whole link the authors sent you.";
    return;
  }
  // The secret leaves the address bar (and the history) before anything else happens.
  history.replaceState(null, "", location.pathname);
  const result = await call("POST", `${section.dataset.api}/review`, { link });
  if (result.ok) {
    location.replace(result.body.page);
    return;
  }
  section.querySelector("h1").textContent = "Reviewer link not valid";
  status.textContent = problemText(result, "This reviewer link cannot be used.");
  status.dataset.kind = "error";
}

// -- dialogs ---------------------------------------------------------------------------------

function date(text) {
  return text ? text.slice(0, 10) : "";
}

function listItem(text, buttonText, onClick) {
  const item = document.createElement("li");
  const label = document.createElement("span");
  label.textContent = text;
  item.append(label);
  if (buttonText) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = buttonText;
    button.addEventListener("click", () => onClick(button));
    item.append(" ", button);
  }
  return item;
}

function setUpShareDialog(dialog, objectApi) {
  const form = dialog.querySelector("form");
  const list = dialog.querySelector("[data-share-list]");
  const message = dialog.querySelector("[data-message]");
  async function load() {
    const result = await call("GET", `${objectApi}/shares`);
    list.replaceChildren();
    if (!result.ok) {
      show(message, problemText(result, "The shares cannot be listed."));
      return;
    }
    if (!result.body.items.length) {
      list.append(listItem("Nobody yet."));
      return;
    }
    for (const share of result.body.items) {
      const [kind, name] = share.recipient.split(/:(.*)/s);
      const text = `${kind === "user" ? "User" : "Group"} ${name} · since ${date(share.created_at)}`;
      const item = listItem(text, "Remove", async (button) => {
        button.disabled = true;
        const query = new URLSearchParams({ recipient: share.recipient });
        const removed = await call("DELETE", `${objectApi}/shares?${query}`);
        if (removed.ok) {
          show(message, `No longer shared with ${name}.`, "ok");
          await load();
        } else {
          button.disabled = false;
          show(message, problemText(removed, "The share could not be removed."));
        }
      });
      item.dataset.recipient = share.recipient;
      list.append(item);
    }
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = form.elements.name.value.trim();
    if (!name) {
      show(message, "Enter the name of a user or a group.");
      return;
    }
    const recipient = `${form.elements.kind.value}:${name}`;
    const result = await call("POST", `${objectApi}/shares`, { recipient });
    if (result.ok) {
      form.elements.name.value = "";
      show(message, result.body.changed ? `Shared with ${name}.` : `Already shared with ${name}.`, "ok");
      await load();
    } else {
      show(message, problemText(result, "It could not be shared."));
    }
  });
  return load;
}

function setUpVisibilityDialog(dialog, objectApi) {
  const form = dialog.querySelector("form");
  const message = dialog.querySelector("[data-message]");
  const embargo = dialog.querySelector("[data-embargo-fields]");
  const sync = () => {
    embargo.disabled = form.elements.visibility.value !== "embargoed";
  };
  for (const radio of form.elements.visibility) radio.addEventListener("change", sync);
  sync();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const visibility = form.elements.visibility.value;
    const body = { visibility };
    if (visibility === "embargoed") {
      const until = form.elements.until.value;
      if (until) body.until = `${until}T00:00:00Z`;
      if (form.elements.event.checked) body.event = "publication";
      if (!until && !form.elements.event.checked) {
        show(message, "An embargo needs an end: a date, the publication, or both.");
        return;
      }
    }
    const result = await call("PUT", `${objectApi}/visibility`, body);
    if (result.ok) {
      show(message, "Saved.", "ok");
      location.reload();
    } else {
      show(message, problemText(result, "The visibility could not be changed."));
    }
  });
  return () => sync();
}

function setUpReviewerDialog(dialog, objectApi, root) {
  const form = dialog.querySelector("form");
  const list = dialog.querySelector("[data-link-list]");
  const message = dialog.querySelector("[data-message]");
  const created = dialog.querySelector("[data-created]");
  const url = dialog.querySelector("[data-url]");
  async function load() {
    const result = await call("GET", `${objectApi}/reviewer-links`);
    list.replaceChildren();
    if (!result.ok) {
      show(message, problemText(result, "The reviewer links cannot be listed."));
      return;
    }
    if (!result.body.items.length) {
      list.append(listItem("No reviewer links yet."));
      return;
    }
    const now = Date.now();
    for (const link of result.body.items) {
      const ended = link.revoked_at
        ? `revoked ${date(link.revoked_at)}`
        : Date.parse(link.expires_at) <= now
          ? `expired ${date(link.expires_at)}`
          : null;
      const text =
        `${link.label || "Unlabelled"} · ${link.key_id} · ` +
        (ended || `expires ${date(link.expires_at)}`);
      const item = listItem(text, ended ? null : "Revoke", async (button) => {
        button.disabled = true;
        const query = new URLSearchParams({ key_id: link.key_id });
        const revoked = await call("DELETE", `${objectApi}/reviewer-links?${query}`);
        if (revoked.ok) {
          show(message, `Link ${link.key_id} revoked: it no longer opens the dataset.`, "ok");
          await load();
        } else {
          button.disabled = false;
          show(message, problemText(revoked, "The link could not be revoked."));
        }
      });
      item.dataset.keyId = link.key_id;
      list.append(item);
    }
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const days = Number(form.elements.days.value);
    if (!Number.isInteger(days) || days < 1 || days > 366) {
      show(message, "A reviewer link lasts from 1 to 366 days.");
      return;
    }
    const label = form.elements.label.value.trim() || null;
    const result = await call("POST", `${objectApi}/reviewer-links`, { days, label });
    if (!result.ok) {
      show(message, problemText(result, "The link could not be created."));
      return;
    }
    url.value = `${location.origin}${root}/review#${result.body.secret}`;
    created.hidden = false;
    url.select();
    show(message, `Link created; it expires on ${date(result.body.expires_at)}.`, "ok");
    await load();
  });
  dialog.querySelector("[data-copy-url]").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    try {
      await navigator.clipboard.writeText(url.value);
      button.textContent = "Copied";
    } catch {
      url.select(); // no clipboard access: the link is selected for Ctrl+C
      button.textContent = "Press Ctrl+C";
    }
    setTimeout(() => (button.textContent = "Copy"), 2000);
  });
  return load;
}

function setUpPanel(panel) {
  const objectApi = panel.dataset.objectApi;
  const loaders = {};
  const share = document.getElementById("share-dialog");
  if (share) loaders["share-dialog"] = setUpShareDialog(share, objectApi);
  const visibility = document.getElementById("visibility-dialog");
  if (visibility) loaders["visibility-dialog"] = setUpVisibilityDialog(visibility, objectApi);
  const reviewer = document.getElementById("reviewer-dialog");
  if (reviewer) loaders["reviewer-dialog"] = setUpReviewerDialog(reviewer, objectApi, panel.dataset.root);
  for (const button of panel.querySelectorAll("[data-open-dialog]")) {
    const dialog = document.getElementById(button.dataset.openDialog);
    button.addEventListener("click", () => {
      show(dialog.querySelector("[data-message]"), "");
      dialog.showModal();
      const load = loaders[dialog.id];
      if (load) load();
    });
  }
  for (const dialog of document.querySelectorAll(".access-dialog")) {
    for (const close of dialog.querySelectorAll("[data-close]")) {
      close.addEventListener("click", () => dialog.close());
    }
  }
}

// Removing a dataset or an image: confirmed in a dialog, then DELETE; the page the dialog
// names (the dataset or project) is shown once the server has removed it.
function setUpRemoveDialog(dialog) {
  const message = dialog.querySelector("[data-message]");
  for (const button of document.querySelectorAll(`[data-open-remove="${dialog.id}"]`)) {
    button.addEventListener("click", () => {
      show(message, "");
      dialog.showModal();
    });
  }
  dialog.querySelector("[data-close]").addEventListener("click", () => dialog.close());
  dialog.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const remove = dialog.querySelector("[data-remove]");
    remove.disabled = true;
    const result = await call("DELETE", dialog.dataset.removeApi);
    if (result.ok) {
      show(message, "Removed.", "ok");
      location.assign(dialog.dataset.removeThen);
    } else {
      remove.disabled = false;
      show(message, problemText(result, "It could not be removed."));
    }
  });
}

const loginForm = document.getElementById("login-form");
if (loginForm) setUpLogin(loginForm);
const account = document.querySelector(".account");
if (account) setUpAccount(account);
const review = document.querySelector("[data-review]");
if (review) openReview(review);
const panel = document.querySelector(".access-panel");
if (panel) setUpPanel(panel);
for (const dialog of document.querySelectorAll(".remove-dialog")) setUpRemoveDialog(dialog);
