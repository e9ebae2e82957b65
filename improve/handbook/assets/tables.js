/* improve handbook: sorting and filtering of index tables. Shipped with improve, no outside
 * request. Without JavaScript every table is complete and in its default order; this script only
 * adds buttons to the column headers and a filter bar above tables marked data-improve-sort.
 * The filter bar lists the columns named in data-improve-filters (zero-based indexes). */
(function () {
  "use strict";

  var EMPTY = "\u2014";

  function cellText(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var key = cell.getAttribute("data-sort");
    return (key !== null ? key : cell.textContent).trim();
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === "" || a === EMPTY) return 1; // no value: last, whichever way
    if (b === "" || b === EMPTY) return -1;
    var x = parseFloat(a), y = parseFloat(b);
    if (!isNaN(x) && !isNaN(y) && /^-?\d/.test(a) && /^-?\d/.test(b) && !/^\d{4}-\d\d/.test(a)) {
      return x - y;
    }
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function values(text) {
    return text.split(/,\s*/).map(function (v) { return v.trim(); }).filter(Boolean);
  }

  function setup(table) {
    if (table.getAttribute("data-improve-ready")) return;
    table.setAttribute("data-improve-ready", "1");
    var body = table.tBodies[0];
    var headRow = table.tHead && table.tHead.rows[0];
    if (!body || !headRow) return;
    var rows = Array.prototype.slice.call(body.rows);
    var original = rows.slice();

    // Sorting: a button in every header; aria-sort tells assistive technology the order.
    Array.prototype.forEach.call(headRow.cells, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "improve-sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        Array.prototype.forEach.call(headRow.cells, function (other) {
          other.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", next);
        var sorted = original.slice().sort(function (a, b) {
          var order = compare(cellText(a, index), cellText(b, index));
          if (order === 0) return original.indexOf(a) - original.indexOf(b);
          return next === "ascending" ? order : -order;
        });
        sorted.forEach(function (row) { body.appendChild(row); });
      });
    });

    // Filtering: a text box and one list per named column.
    var bar = document.createElement("div");
    bar.className = "improve-filters";
    var text = document.createElement("input");
    text.type = "search";
    text.placeholder = "Filter rows";
    text.setAttribute("aria-label", "Filter the rows of this table");
    bar.appendChild(text);
    var selects = [];
    (table.getAttribute("data-improve-filters") || "").split(",").forEach(function (raw) {
      var index = parseInt(raw, 10);
      if (isNaN(index) || !headRow.cells[index]) return;
      var seen = {};
      rows.forEach(function (row) {
        values(cellText(row, index)).forEach(function (v) { if (v !== EMPTY) seen[v] = true; });
      });
      var options = Object.keys(seen).sort(compare);
      if (options.length < 2) return;
      var label = document.createElement("label");
      var name = headRow.cells[index].textContent.trim();
      label.appendChild(document.createTextNode(name + " "));
      var select = document.createElement("select");
      select.setAttribute("data-column", String(index));
      var all = document.createElement("option");
      all.value = "";
      all.textContent = "all";
      select.appendChild(all);
      options.forEach(function (v) {
        var option = document.createElement("option");
        option.value = v;
        option.textContent = v;
        select.appendChild(option);
      });
      label.appendChild(select);
      bar.appendChild(label);
      selects.push(select);
    });
    var count = document.createElement("span");
    count.className = "improve-filter-count";
    count.setAttribute("role", "status");
    bar.appendChild(count);

    function apply() {
      var needle = text.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var visible = !needle || row.textContent.toLowerCase().indexOf(needle) !== -1;
        selects.forEach(function (select) {
          if (visible && select.value) {
            visible = values(cellText(row, parseInt(select.getAttribute("data-column"), 10)))
              .indexOf(select.value) !== -1;
          }
        });
        row.hidden = !visible;
        if (visible) shown += 1;
      });
      count.textContent = shown === rows.length ? rows.length + " rows"
        : shown + " of " + rows.length + " rows";
    }
    text.addEventListener("input", apply);
    selects.forEach(function (select) { select.addEventListener("change", apply); });
    apply();
    var wrapper = table.closest(".md-typeset__scrollwrap") || table;
    wrapper.parentNode.insertBefore(bar, wrapper);
  }

  function init() {
    var tables = document.querySelectorAll("table[data-improve-sort]");
    Array.prototype.forEach.call(tables, setup);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init); // Material's instant navigation swaps pages in place
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
