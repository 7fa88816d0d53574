// Progressive enhancement only: every page works without this file.
// Move focus to a form's error summary so keyboard and screen reader users hear it first.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
