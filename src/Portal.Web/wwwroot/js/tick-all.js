// The remediation page's bulk action: a header box that ticks or clears every task on the page, shift-click to tick or
// clear the rows between the last box clicked and this one, and the number ticked beside Apply, so an engineer sees how
// many tasks one click will change before making it. Without script the rows' own boxes still work and the header box
// stays hidden.
(() => {
  "use strict";
  for (const all of document.querySelectorAll("input[data-tick-all]")) {
    const form = all.form;
    const rows = () => [...form.querySelectorAll(`input[type=checkbox][name="${all.dataset.tickAll}"]`)];
    const count = form.querySelector("[data-ticked-count]");
    const show = () => {
      const boxes = rows();
      const ticked = boxes.filter(b => b.checked).length;
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
      if (count) count.textContent = ticked === 0 ? "" : ticked === 1 ? "1 task ticked" : `${ticked} tasks ticked`;
    };
    all.addEventListener("change", () => {
      for (const box of rows()) box.checked = all.checked;
      show();
    });
    form.addEventListener("change", e => { if (e.target !== all) show(); });
    let last = null;
    form.addEventListener("click", e => {
      const box = e.target;
      if (!(box instanceof HTMLInputElement) || box.name !== all.dataset.tickAll) return;
      if (e.shiftKey && last && last !== box) {
        const boxes = rows();
        const [from, to] = [boxes.indexOf(last), boxes.indexOf(box)].sort((a, b) => a - b);
        if (from >= 0) for (const b of boxes.slice(from, to + 1)) b.checked = box.checked;
        show();
      }
      last = box;
    });
    all.hidden = false;
    show();
  }
})();
