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

// Show one section of <main>, hide the others, and move the focus to its heading so that a
// keyboard or screen-reader user lands where the page changed.
export function showView(id) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== id;
  $('loading').hidden = true;
  const h = document.querySelector(`#${id} h1`);
  if (h) h.focus();
}
