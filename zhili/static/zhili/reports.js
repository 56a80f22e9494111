// 上报报表, the mapping page: a search box filters the figures' list (the page works without it: the list is a plain
// <select> grouped by app). Nothing else: every cell is a link, every change a form.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-select]"), function (box) {
    var select = document.getElementById(box.getAttribute("data-filter-select"));
    if (!select) { return; }
    box.hidden = false;
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var shown = 0;
        Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
          var text = (group.label + " " + option.textContent).toLowerCase();
          var hit = words.every(function (w) { return text.indexOf(w) !== -1; });
          option.hidden = !hit;
          if (hit) { shown++; }
        });
        group.hidden = shown === 0;
      });
    });
  });
})();
