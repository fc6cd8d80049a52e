// A form whose effect one more click cannot undo asks first: <form data-confirm="What happens, in a sentence">.
// Cancelling sends nothing. (A script file, not an onclick attribute: the content security policy allows no inline script.)
(() => {
  "use strict";
  document.addEventListener("submit", e => {
    // An empty data-confirm asks nothing: a tag helper renders a null attribute value as "".
    const message = e.target.closest?.("form[data-confirm]")?.dataset.confirm;
    if (message && !window.confirm(message)) e.preventDefault();
  }, true);
})();
