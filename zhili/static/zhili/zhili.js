// Small progressive enhancements. Everything works without this file; the CSP forbids inline scripts.
(function () {
  "use strict";
  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // The navigation is a <details> element, open by default; on a phone it folds into the ☰ button.
  var menu = document.querySelector("details.menu");
  if (menu && !window.matchMedia("(min-width: 760px)").matches) {
    menu.open = false;
  }
  // On a phone a table's rows are cards (zhili.css, "Cards on a phone"): each cell is labelled with its column's
  // header, read from the <thead> (colspan and rowspan taken into account); a cell's own data-label is kept.
  function columns(rows, each) {
    var taken = [];
    for (var r = 0; r < rows.length; r++) {
      var col = 0;
      taken[r] = taken[r] || [];
      for (var c = 0; c < rows[r].cells.length; c++) {
        var cell = rows[r].cells[c];
        while (taken[r][col]) { col++; }
        for (var dr = 0; dr < Math.max(cell.rowSpan, 1); dr++) {
          taken[r + dr] = taken[r + dr] || [];
          for (var dc = 0; dc < cell.colSpan; dc++) { taken[r + dr][col + dc] = true; }
        }
        each(cell, col);
        col += cell.colSpan;
      }
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll(".table-wrap > table"), function (table) {
    if (!table.tHead) { return; }
    var labels = [];
    columns(table.tHead.rows, function (th, col) {
      var text = th.textContent.replace(/\s+/g, " ").trim();
      for (var i = col; i < col + th.colSpan; i++) {
        labels[i] = labels[i] && text && labels[i] !== text ? labels[i] + " · " + text : (labels[i] || text);
      }
    });
    Array.prototype.forEach.call(table.tBodies, function (body) { label(body.rows); });
    if (table.tFoot) { label(table.tFoot.rows); }
    function label(rows) {
      columns(rows, function (cell, col) {
        if (cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", labels[col] || "");
        }
      });
    }
  });
  // A form is submitted once: a double click does not post twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    window.setTimeout(function () { delete form.dataset.submitted; }, 5000);
  });
})();
