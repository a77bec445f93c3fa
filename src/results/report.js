/* report.js -- the only script of varlb report's page: hover tips, legend
   entries that hide and show a series, tables sorted by a click on a column
   header and filtered by a text box.  Plain DOM, no library, no request:
   everything it shows is already in the page. */
(function () {
  "use strict";
  var tip = document.getElementById("tip");

  /* Hover: any element with data-tip shows it beside the pointer; one
     with data-twin shows the tip of the element it names. */
  function place(e) {
    var x = e.clientX + 16, y = e.clientY + 16;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    if (x + w > window.innerWidth - 8) { x = Math.max(8, e.clientX - w - 16); }
    if (y + h > window.innerHeight - 8) { y = Math.max(8, e.clientY - h - 16); }
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }
  document.addEventListener("mouseover", function (e) {
    var t = e.target.closest ? e.target.closest("[data-tip],[data-twin]") : null;
    if (t && t.hasAttribute("data-twin")) { t = document.getElementById(t.getAttribute("data-twin")); }
    if (!t) { tip.hidden = true; return; }
    tip.textContent = t.getAttribute("data-tip");
    tip.hidden = false;
    place(e);
  });
  document.addEventListener("mousemove", function (e) {
    if (!tip.hidden) { place(e); }
  });
  document.addEventListener("mouseleave", function () { tip.hidden = true; });

  /* Legend: a button's data-s names the elements of its figure it hides. */
  Array.prototype.forEach.call(document.querySelectorAll(".legend button[data-s]"), function (b) {
    b.addEventListener("click", function () {
      var on = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", on ? "true" : "false");
      var fig = b.closest("figure");
      var sel = 'svg [data-s="' + b.getAttribute("data-s") + '"]';
      Array.prototype.forEach.call(fig.querySelectorAll(sel), function (g) {
        g.classList.toggle("off", !on);
      });
    });
  });

  /* Sorting: a cell's data-v (else its text) is its key; numbers sort as
     numbers, and cells without a value go last either way. */
  function keyOf(row, col) {
    var td = row.cells[col];
    if (!td) { return { blank: true }; }
    var v = td.hasAttribute("data-v") ? td.getAttribute("data-v") : td.textContent.trim();
    var n = v === "" ? NaN : Number(v);
    return { blank: v === "" || v === "nan", num: isFinite(n) ? n : null, text: v };
  }
  function compare(a, b, dir) {
    if (a.blank || b.blank) { return a.blank === b.blank ? 0 : a.blank ? 1 : -1; }
    var c = a.num !== null && b.num !== null ? a.num - b.num
      : a.text.localeCompare(b.text, undefined, { numeric: true });
    return dir * c;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable th.sort"), function (th) {
    th.tabIndex = 0;
    function sort() {
      var table = th.closest("table"), body = table.tBodies[0], col = th.cellIndex;
      var now = th.getAttribute("aria-sort");
      var first = th.getAttribute("data-first") === "descending" ? "descending" : "ascending";
      var next = now === first ? (first === "ascending" ? "descending" : "ascending") : first;
      var dir = next === "ascending" ? 1 : -1;
      Array.prototype.forEach.call(table.querySelectorAll("th[aria-sort]"), function (h) {
        h.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", next);
      var rows = Array.prototype.slice.call(body.rows).map(function (r, i) {
        return { r: r, k: keyOf(r, col), i: i };
      });
      rows.sort(function (a, b) { return compare(a.k, b.k, dir) || a.i - b.i; });
      rows.forEach(function (x) { body.appendChild(x.r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
    });
  });

  /* Filtering: a box's data-table names the table whose rows it narrows. */
  Array.prototype.forEach.call(document.querySelectorAll("input.filter[data-table]"), function (box) {
    var table = document.getElementById(box.getAttribute("data-table"));
    box.addEventListener("input", function () {
      var q = box.value.toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });

  /* Printing shows what is folded away. */
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
      d.open = true;
    });
  });
}());
