// The ALTCHA widget on the vote and nomination forms: its strings in the page's language
// (translated by Django, read from data- attributes) and its SHA-256 worker as a file
// (the widget's CSP build has none bundled, so no blob: or inline worker is needed).
(function () {
  var widgets = document.querySelectorAll("altcha-widget[data-worker]");
  if (!widgets.length || !window.$altcha) { return; }
  var worker = widgets[0].dataset.worker;
  window.$altcha.algorithms.set("SHA-256", function () { return new Worker(worker); });
  widgets.forEach(function (widget) {
    var language = widget.getAttribute("language") || "en";
    var english = window.$altcha.i18n.get("en") || {};
    var strings = Object.assign({}, english, { footer: "", ariaLinkLabel: "ALTCHA" });
    Object.keys(widget.dataset).forEach(function (key) {
      if (key !== "worker") { strings[key] = widget.dataset[key]; }
    });
    window.$altcha.i18n.set(language, strings);
  });
})();
