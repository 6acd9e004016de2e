// Enhancements of the workbench pages; every page works without this script.
(function () {
  "use strict";

  // Unit pickers: as the user types in the filter, fetch the matching units and replace the <select>'s
  // options, so the "筛选" button (which reloads the page) is not needed.
  document.querySelectorAll("input[data-unit-filter]").forEach(function (input) {
    var name = input.getAttribute("data-unit-filter");
    var select = document.getElementById(name + "-unit_id");
    var kept = document.getElementById(name + "-unit_q");
    var note = document.getElementById(name + "-picker-note");
    var url = input.getAttribute("data-options-url");
    if (!select || !url) return;
    var timer = null;
    var latest = 0;
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); refresh(); }
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
    function refresh() {
      var query = input.value.trim();
      var ticket = ++latest;
      fetch(url + "?unit_q=" + encodeURIComponent(query), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          if (ticket !== latest) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.querySelector("select");
          if (!fresh) return;
          var chosen = select.value;
          select.replaceChildren.apply(select, Array.prototype.slice.call(fresh.childNodes));
          if (chosen) select.value = chosen;
          if (kept) kept.value = query;
          var text = doc.querySelector("p");
          if (note && text) note.textContent = text.textContent.trim();
        })
        .catch(function () { /* the filter button still works */ });
    }
  });

  // The campaign form's region search: as the editor types a place name, fetch the places found and show
  // them to tick, so the "查找" button (which reloads the page) is not needed. Ticked places stay.
  document.querySelectorAll("input[data-region-search]").forEach(function (input) {
    var url = input.getAttribute("data-region-search");
    var target = document.getElementById("campaign-regions-found");
    if (!url || !target) return;
    var timer = null;
    var latest = 0;
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); refresh(); }
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    });
    function refresh() {
      var query = input.value.trim();
      var ticket = ++latest;
      if (!query) { target.replaceChildren(); return; }
      fetch(url + "?region_q=" + encodeURIComponent(query), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          if (ticket !== latest) return;
          var chosen = {};
          document.querySelectorAll("#campaign-regions-chosen input[name=regions]").forEach(function (box) {
            if (box.checked) chosen[box.value] = true;
          });
          var doc = new DOMParser().parseFromString(html, "text/html");
          doc.querySelectorAll("input[name=regions]").forEach(function (box) {
            if (chosen[box.value]) box.closest("label").remove();
          });
          target.replaceChildren.apply(target, Array.prototype.slice.call(doc.body.childNodes));
        })
        .catch(function () { /* the 查找 button still works */ });
    }
  });

  // Live character counts under the text areas that ask for one (data-count).
  document.querySelectorAll("textarea[data-count]").forEach(function (area) {
    var counter = document.createElement("p");
    counter.className = "help wb-count";
    counter.setAttribute("aria-live", "polite");
    var help = area.parentElement.querySelector(".help");
    (help || area).insertAdjacentElement("afterend", counter);
    var max = area.getAttribute("maxlength");
    function update() {
      var length = area.value.trim().length;
      counter.textContent = "已输入 " + length + " 字" + (max ? "，最多 " + max + " 字" : "");
    }
    area.addEventListener("input", update);
    update();
  });
})();
