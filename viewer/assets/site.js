// What every page of the viewer does: copy buttons (any element with
// data-copy copies that text) and the keyboard: "/" focuses the filter box,
// Esc in it clears it and searches again.

document.addEventListener("click", async e => {
  const b = e.target.closest("[data-copy]");
  if (!b) return;
  e.preventDefault();
  const text = b.dataset.copy;
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch (err) {
    // No clipboard API (a non-local http origin): copy through a selection.
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed"; ta.style.opacity = "0";
    document.body.append(ta);
    ta.select();
    try { ok = document.execCommand("copy"); } catch (err2) { ok = false; }
    ta.remove();
  }
  const was = b.dataset.label || b.textContent;
  b.dataset.label = was;
  b.textContent = ok ? "Copied" : "Copy failed";
  b.dataset.copied = ok ? "true" : "false";
  setTimeout(() => { b.textContent = was; delete b.dataset.copied; }, 1200);
});

function filterBox() { return document.querySelector("form.filter input[type=search]"); }

document.addEventListener("keydown", e => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const box = filterBox();
  if (!box) return;
  const t = e.target;
  const typing = t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  if (e.key === "/" && !typing) {
    e.preventDefault();
    box.focus();
    box.select();
  } else if (e.key === "Escape" && t === box) {
    e.preventDefault();
    const had = box.value !== "";
    box.value = "";
    if (had && box.form) box.form.requestSubmit();
  }
});

// Links the mlflow client prints point into MLflow's UI, whose routes live
// in the URL's fragment ("View run X at: http://HOST/#/experiments/1/runs/ID",
// "#/models/NAME/versions/3"). They reach the viewer's home page: send each
// to the viewer's page for the same thing.
function mlflowRoute(hash) {
  const parts = hash.replace(/^#\/?/, "").split(/[?#]/)[0].split("/").map(decodeURIComponent);
  const enc = encodeURIComponent;
  if (parts[0] === "experiments" && parts[1]) {
    if (parts[2] === "runs" && parts[3]) return "/runs/" + enc(parts[3]);
    if (parts[2] === "models" && parts[3]) return null;
    return "/experiments/" + enc(parts[1]);
  }
  if (parts[0] === "models" && parts[1]) {
    if (parts[2] === "versions" && /^\d+$/.test(parts[3] || "")) return "/models/" + enc(parts[1]) + "/versions/" + parts[3];
    return "/models/" + enc(parts[1]);
  }
  return null;
}
if (location.hash.startsWith("#/")) {
  const to = mlflowRoute(location.hash);
  if (to) location.replace(to);
}
