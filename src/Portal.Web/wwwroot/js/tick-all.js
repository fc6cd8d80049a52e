// The bulk actions (the remediation page's tasks, the triage queue's new incidents): a header box that ticks or clears every
// row on the page, shift-click to tick or clear the rows between the last box clicked and this one, and the number ticked
// beside the button, so an engineer sees how many rows one click will change before making it. Listens on the document, so
// a table that live.js swaps in ("portal:refreshed") works like the one loaded. Without script the rows' own boxes still work
// and the header box stays hidden.
(() => {
  "use strict";
  const rowsOf = all => [...all.form.querySelectorAll(`input[type=checkbox][name="${all.dataset.tickAll}"]`)];
  const headerOf = box => box.form?.querySelector(`input[data-tick-all="${box.name}"]`);

  function show(all) {
    const boxes = rowsOf(all);
    const ticked = boxes.filter(b => b.checked).length;
    all.checked = ticked > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
    const count = all.form.querySelector("[data-ticked-count]");
    const noun = count?.dataset.tickedNoun ?? "task";
    if (count) count.textContent = ticked === 0 ? "" : ticked === 1 ? `1 ${noun} ticked` : `${ticked} ${noun}s ticked`;
  }

  function wire() {
    for (const all of document.querySelectorAll("input[data-tick-all]")) {
      all.hidden = false;
      show(all);
    }
  }

  document.addEventListener("change", e => {
    const box = e.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox" || !box.form) return;
    if (box.dataset.tickAll) {
      for (const row of rowsOf(box)) row.checked = box.checked;
      show(box);
    } else if (headerOf(box)) {
      show(headerOf(box));
    }
  });

  let last = null;
  document.addEventListener("click", e => {
    const box = e.target;
    if (!(box instanceof HTMLInputElement) || box.type !== "checkbox" || box.dataset.tickAll) return;
    const all = headerOf(box);
    if (!all) return;
    if (e.shiftKey && last && last !== box && last.form === box.form) {
      const boxes = rowsOf(all);
      const [from, to] = [boxes.indexOf(last), boxes.indexOf(box)].sort((a, b) => a - b);
      if (from >= 0) for (const b of boxes.slice(from, to + 1)) b.checked = box.checked;
      show(all);
    }
    last = box;
  });

  document.addEventListener("portal:refreshed", wire);
  wire();
})();
