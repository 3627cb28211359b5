// empreinte observatory: small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Filters: re-run the search when a menu changes.
  document.querySelectorAll("select.autosubmit").forEach(function (el) {
    el.addEventListener("change", function () { if (el.form) el.form.submit(); });
  });
  // Compare: keep the button disabled until 2 to 5 reports are ticked.
  var form = document.getElementById("compare-form");
  if (form) {
    var btn = document.getElementById("compare-btn");
    var update = function () {
      var n = form.querySelectorAll("input[name=ids]:checked").length;
      btn.disabled = n < 2 || n > 5;
      btn.textContent = "Compare selected (" + n + " of 2–5)";
    };
    form.addEventListener("change", update);
    update();
  }
  // Contribute: copy a command to the clipboard.
  document.querySelectorAll("button.copy").forEach(function (b) {
    b.addEventListener("click", function () {
      var code = document.getElementById(b.getAttribute("data-target"));
      if (code && navigator.clipboard) {
        navigator.clipboard.writeText(code.textContent).then(function () { b.textContent = "Copied"; });
      }
    });
  });
})();
