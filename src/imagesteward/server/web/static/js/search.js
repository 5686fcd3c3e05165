// The search page works without this file; it adds two conveniences.

const form = document.getElementById("search-form");
const box = document.getElementById("search-q");

// "/" anywhere but in a text field puts the cursor in the search box, as on many sites.
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest?.("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typing && box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});

// A new search starts on its first page: the form carries no cursor, and empty dates are
// left out of the URL so that a shared link says only what was chosen.
form?.addEventListener("submit", () => {
  for (const input of form.querySelectorAll("input[name='from'], input[name='to']")) {
    if (!input.value.trim()) input.disabled = true;
  }
});
