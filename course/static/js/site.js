// Progressive enhancement only: every page works without this file.
// Move focus to a form's error summary so keyboard and screen reader users hear it first.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});

// The lesson editor's preview follows the text as the author types. Without this script the
// Preview button shows the same thing; here the page's own preview is fetched and swapped in.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-live-preview]");
  const preview = document.getElementById("live-preview");
  if (!form || !preview) {
    return;
  }
  let timer;
  const refresh = async () => {
    const fields = new FormData(form);
    fields.set("action", "preview");
    const response = await fetch(window.location.href, {
      method: "POST",
      body: fields,
      credentials: "same-origin",
    });
    if (!response.ok) {
      return;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("live-preview");
    if (fresh) {
      document.getElementById("live-preview").replaceWith(fresh);
    }
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 700);
  });
});
