// Progressive enhancement only; every page works without it. No inline script (CSP).
// After a failed submit, move focus to the error summary so it is read out first.
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
  // A link in the summary moves focus into its field (not only scrolls to it).
  document.querySelectorAll("[data-error-summary] a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      target.focus();
    });
  });
})();
