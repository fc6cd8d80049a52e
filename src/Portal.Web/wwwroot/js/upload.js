// Device CSV upload on the remediation page. The file itself is the request body (text/csv), so the server streams it to
// disk under the import's limits instead of the framework buffering a form first; the antiforgery token travels in the
// header. The answer is JSON: where to go (the page following the new import) or a problem to show beside the field.
// Without script the form still posts normally.
(() => {
  "use strict";
  for (const form of document.querySelectorAll("form[data-upload]")) {
    form.addEventListener("submit", async event => {
      const file = form.querySelector("input[type=file]").files[0];
      if (!file) return;
      event.preventDefault();
      const error = form.querySelector("[data-upload-error]");
      const button = form.querySelector("button[type=submit]");
      error.textContent = "";
      button.disabled = true;
      button.textContent = "Uploading…";
      try {
        const url = new URL(form.action, location.href);
        url.searchParams.set("fileName", file.name);
        const response = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "text/csv",
            "Accept": "application/json",
            "RequestVerificationToken": form.querySelector("input[name=__RequestVerificationToken]").value,
          },
          body: file,
        });
        const answer = await response.json().catch(() => ({}));
        if (response.ok && answer.location) {
          location.assign(answer.location);
          return;
        }
        error.textContent = answer.title ? `${answer.title}: ${answer.detail ?? ""}` : `The upload was refused (${response.status}).`;
      } catch {
        error.textContent = "The upload did not reach the server. Check the connection and try again.";
      }
      button.disabled = false;
      button.textContent = "Import";
    });
  }
})();
