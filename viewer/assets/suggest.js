// Autocomplete of the filter box: the key being typed is completed from
// the experiment's metrics., params. and tags. keys and the run
// attributes. Arrow keys choose, Enter takes the choice (Tab the first
// one when none is chosen), Esc closes
// the list (a second Esc clears the box, as on every page).
import {el} from "./common.js";

// The attributes a runs filter takes (package query's schema).
const ATTRIBUTES = ["run_id", "run_name", "user_id", "status", "artifact_uri", "start_time", "end_time"];
const DATASETS = ["name", "digest", "context"];
// maxShown is the most suggestions listed.
const maxShown = 12;

function quoted(kind, key) {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${kind}.${key}` : `${kind}.\`${key.replace(/`/g, "``")}\``;
}

// suggest attaches the list to input; keys() returns {params, metrics,
// tags}, the experiment's keys, when the list opens.
export function suggest(input, keys) {
  const list = el("ul", {class: "suggest", role: "listbox", id: input.id + "-suggest", hidden: true});
  input.after(list);
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-autocomplete", "list");
  let items = [], active = -1, token = null;

  // candidates are the completions of the word before the caret.
  function candidates() {
    const caret = input.selectionStart ?? input.value.length;
    const m = /([A-Za-z_][A-Za-z0-9_.`-]*)$/.exec(input.value.slice(0, caret));
    if (!m) return null;
    const word = m[1], lower = word.toLowerCase();
    const k = keys() || {};
    const all = [
      ...(k.metrics || []).map(x => quoted("metrics", x)), ...(k.params || []).map(x => quoted("params", x)),
      ...(k.tags || []).map(x => quoted("tags", x)), ...ATTRIBUTES.map(x => "attributes." + x), ...DATASETS.map(x => "datasets." + x),
    ];
    const dot = word.indexOf(".");
    let out;
    if (dot < 0) {
      // A bare word: the kinds it begins, and the keys it begins or is in.
      const kinds = ["metrics.", "params.", "tags.", "attributes.", "datasets."].filter(p => p.startsWith(lower) && p !== lower);
      const key = s => s.slice(s.indexOf(".") + 1).toLowerCase();
      out = [...kinds, ...all.filter(s => key(s).startsWith(lower)), ...all.filter(s => !key(s).startsWith(lower) && key(s).includes(lower))];
    } else {
      out = [...all.filter(s => s.toLowerCase().startsWith(lower)), ...all.filter(s => !s.toLowerCase().startsWith(lower) && s.toLowerCase().includes(lower.slice(dot + 1)) && s.startsWith(word.slice(0, dot + 1)))];
    }
    out = out.filter(s => s !== word);
    return {start: caret - word.length, end: caret, list: [...new Set(out)].slice(0, maxShown)};
  }

  function close() { list.hidden = true; items = []; active = -1; input.setAttribute("aria-expanded", "false"); }

  function open() {
    token = candidates();
    if (!token || !token.list.length || document.activeElement !== input) { close(); return; }
    items = token.list;
    active = -1;
    list.replaceChildren(...items.map((s, i) => el("li", {role: "option", dataset: {i: String(i)},
      onmousedown: e => { e.preventDefault(); take(i); }}, s)));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function mark(i) {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
  }

  // take puts the i-th suggestion in place of the word being typed; a
  // whole key gets a space after it.
  function take(i) {
    const s = items[i], v = input.value;
    const after = s.endsWith(".") ? "" : " ";
    const rest = v.slice(token.end);
    input.value = v.slice(0, token.start) + s + (rest.startsWith(" ") ? "" : after) + rest;
    const caret = token.start + s.length + (rest.startsWith(" ") ? 1 : after.length);
    input.setSelectionRange(caret, caret);
    input.focus();
    open(); // a kind ("metrics.") goes on to its keys
  }

  input.addEventListener("input", open);
  input.addEventListener("focus", open);
  input.addEventListener("blur", close);
  input.addEventListener("keydown", e => {
    if (list.hidden) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const n = items.length;
      mark(e.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
    } else if (e.key === "Tab" || (e.key === "Enter" && active >= 0)) {
      e.preventDefault();
      take(Math.max(active, 0));
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation(); // the list closes; the box keeps its text
      close();
    } else if (e.key === "Enter") {
      close();
    }
  });
}
