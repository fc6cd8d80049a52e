// A form whose effect one more click cannot undo asks first: <form data-confirm="What happens, in a sentence">, or one of its
// buttons does (<button data-confirm="…">: "Open incidents" asks, "Preview" does not). data-confirm-when="Field=Value" asks only
// when the form sends that value; or the chosen <option data-confirm="…"> of one of its lists does (a move to Closed asks, since it
// is final; to Resolved only while devices are still open).
// Cancelling sends nothing. (A script file, not an onclick attribute: the content security policy allows no inline script.)
(() => {
  "use strict";
  document.addEventListener("submit", e => {
    const form = e.target;
    const option = [...(form.querySelectorAll?.("select option[data-confirm]:checked") ?? [])].find(o => o.dataset.confirm);
    const asking = e.submitter?.dataset.confirm !== undefined ? e.submitter : option ?? form.closest?.("form[data-confirm]");
    // An empty data-confirm asks nothing: a tag helper renders a null attribute value as "".
    const message = asking?.dataset.confirm;
    const when = asking?.dataset.confirmWhen;
    if (when) {
      const [name, value] = when.split("=");
      if (new FormData(form).get(name) !== value) return;
    }
    if (message && !window.confirm(message)) e.preventDefault();
  }, true);
})();
