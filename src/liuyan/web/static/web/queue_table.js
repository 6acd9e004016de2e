// The queue tables' toolbar: select all rows of the page, count the selection, show the inputs the chosen
// bulk action takes. Without this script the checkboxes and the toolbar's inputs work as plain form fields.
(function () {
  "use strict";
  // The filter form leaves its empty fields out of the URL (?region=530902&domain=4, not ?q=&region=…).
  var filters = document.querySelector("form.wb-filters");
  if (filters) {
    filters.addEventListener("submit", function () {
      filters.querySelectorAll("input[name], select[name]").forEach(function (field) {
        if (field.value === "" && field.type !== "checkbox") field.disabled = true;
      });
    });
  }
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=ids]"));
  var all = form.querySelector("input[data-select-all]");
  var count = form.querySelector("[data-bulk-count]");
  var action = document.getElementById("bulk-action");

  function update() {
    var chosen = boxes.filter(function (box) { return box.checked; }).length;
    boxes.forEach(function (box) { box.closest("tr").classList.toggle("selected", box.checked); });
    if (all) {
      all.checked = chosen === boxes.length && chosen > 0;
      all.indeterminate = chosen > 0 && chosen < boxes.length;
    }
    if (count) count.textContent = chosen ? "已选 " + chosen + " 项" : "勾选要批量处理的事项";
  }
  function showExtras() {
    var chosen = action ? action.value : "";
    form.querySelectorAll("[data-for-action]").forEach(function (extra) {
      extra.hidden = extra.getAttribute("data-for-action").split(" ").indexOf(chosen) < 0;
    });
  }
  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
      update();
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  if (action) action.addEventListener("change", showExtras);
  form.addEventListener("submit", function (event) {
    if (!boxes.some(function (box) { return box.checked; })) {
      event.preventDefault();
      if (count) count.textContent = "请先勾选要处理的事项";
    }
  });
  update();
  showExtras();
})();
