// dom.js: building the page from text only. Every value from the server goes in as a text
// node (textContent), never as markup, so a name holding <script> shows as text.

export const $ = (id) => document.getElementById(id);

// el('td', {class: 'x'}, 'text', childNode...): an element with attributes and children.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
}

// Page changes overlap (a click, then a hash change) and their answers can come back in any
// order. Each page change takes a turn; only the newest turn may draw or show its view, so a
// late answer never replaces the page the user moved to.
let turns = 0;
export const takeTurn = () => ++turns;
export const isTurn = (turn) => turn === turns;

// Show one section of <main>, hide the others, and move the focus to its heading so that a
// keyboard or screen-reader user lands where the page changed. With a turn, only if it is still
// the newest.
export function showView(id, turn) {
  if (turn !== undefined && !isTurn(turn)) return;
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== id;
  $('loading').hidden = true;
  const h = document.querySelector(`#${id} h1`);
  if (h) h.focus();
}
