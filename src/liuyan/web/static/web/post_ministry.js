/* The post form's 部委 entry, enhanced: choosing a central department puts its leaders first in 留言对象,
   read from /api/v1/leaders?central=true&department=CODE, without reloading the page. post.js refills the
   留言对象 list whenever the place changes; the department's group is put back each time it does. Without
   this script the form's 选定部委 button does the same with a page load. */
(function () {
  "use strict";

  var form = document.getElementById("post-form");
  if (!form || !window.fetch || !window.MutationObserver || !form.closest) {
    return;
  }
  var department = form.elements.department;
  var leader = form.elements.leader_id;
  var box = form.querySelector("[data-ministry-leaders]");
  if (!department || !leader || !box) {
    return;
  }
  var note = form.querySelector("[data-empty-note]");
  var group = null; // the chosen department's optgroup, once read
  var ticket = 0;

  function option(value, text) {
    var element = document.createElement("option");
    element.value = value;
    element.textContent = text;
    return element;
  }

  function place() {
    var current = leader.querySelector("optgroup[data-ministry]");
    if (current && current !== group) {
      current.remove();
    }
    if (!group || leader.contains(group)) {
      return;
    }
    var first = leader.options[0];
    if (first && first.value === "") {
      first.textContent = "请选择";
      first.after(group);
    } else {
      leader.prepend(group);
    }
    if (note) {
      note.hidden = true;
    }
  }

  function choose() {
    var code = department.value;
    var mine = (ticket += 1);
    var previous = leader.value;
    if (group) {
      group.remove();
      group = null;
    }
    if (!code) {
      return;
    }
    fetch(box.dataset.ministryLeaders + encodeURIComponent(code), {
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (leaders) {
        if (mine !== ticket) {
          return;
        }
        group = document.createElement("optgroup");
        group.label = department.options[department.selectedIndex].textContent;
        group.dataset.ministry = code;
        leaders.forEach(function (item) {
          group.append(option(String(item.id), item.title + (item.person_name || "")));
        });
        place();
        leader.value = group.querySelector('option[value="' + previous + '"]') ? previous : (leaders.length ? String(leaders[0].id) : "");
      })
      .catch(function () {
        // The API failed: the page's own step button still shows the department's leaders.
        Array.prototype.forEach.call(box.querySelectorAll("[data-step]"), function (step) { step.hidden = false; });
      });
  }

  // The department's group as the page drew it (after a 选定部委 step or ?leader=ID) is kept as it is.
  group = leader.querySelector("optgroup[label='" + (department.value ? department.options[department.selectedIndex].textContent : "") + "']");
  if (group) {
    group.dataset.ministry = department.value;
  }
  new MutationObserver(place).observe(leader, { childList: true });
  department.addEventListener("change", choose);
})();
