/* The post form, enhanced: the place is chosen with cascading selects filled from the JSON API
   (/api/v1/regions?parent=CODE, /api/v1/leaders?region=CODE) instead of one page load per level, or found
   by its name as it is typed (/api/v1/regions/search?q=NAME), and the title and body show how many
   characters they hold. Without this script the form works as it is. */
(function () {
  "use strict";

  var form = document.getElementById("post-form");
  // Older browsers keep the page's own step-by-step choice.
  if (!form || !window.fetch || !window.Promise || !form.replaceChildren || !form.closest) {
    return;
  }

  var LEVEL_LABELS = {
    province: "省（自治区、直辖市）",
    prefecture: "市（地区、州、盟）",
    county: "县（市、区、旗）",
    township: "乡（镇、街道）"
  };
  var selects = [1, 2, 3, 4].map(function (level) { return form.elements["region_" + level]; });
  var wrappers = selects.map(function (select) { return select.closest(".field"); });
  var leader = form.elements.leader_id;
  var leaderNote = form.querySelector("[data-empty-note]");
  var steps = form.querySelectorAll("[data-step]");
  var leaderCache = {};
  var leaderTicket = 0;

  function showSteps(shown) {
    Array.prototype.forEach.call(steps, function (step) { step.hidden = !shown; });
  }

  function option(value, text) {
    var element = document.createElement("option");
    element.value = value;
    element.textContent = text;
    return element;
  }

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      });
  }

  // The API failed: fall back to the page's own step button, which works without the API.
  function fallBack() {
    showSteps(true);
  }

  function fillLevel(index, regions) {
    var select = selects[index];
    select.replaceChildren(option("", "请选择"));
    regions.forEach(function (region) { select.append(option(region.code, region.name)); });
    wrappers[index].hidden = regions.length === 0;
    if (regions.length) {
      wrappers[index].querySelector("label").textContent = LEVEL_LABELS[regions[0].level] || "下一级";
    }
  }

  function clearBelow(index) {
    for (var below = index + 1; below < selects.length; below += 1) {
      fillLevel(below, []);
    }
  }

  function chosenPath() {
    var path = [];
    for (var index = 0; index < selects.length; index += 1) {
      var select = selects[index];
      if (wrappers[index].hidden || !select.value) {
        break;
      }
      path.push({ code: select.value, name: select.options[select.selectedIndex].textContent });
    }
    return path;
  }

  function leadersOf(code) {
    if (!leaderCache[code]) {
      leaderCache[code] = getJSON(leaderUrl(code)).catch(function (error) {
        delete leaderCache[code];
        throw error;
      });
    }
    return leaderCache[code];
  }

  function leaderUrl(code) {
    return form.dataset.leadersUrl + "?region=" + encodeURIComponent(code);
  }

  function setLeaders(path, lists) {
    var previous = leader.value;
    var groups = [];
    for (var index = path.length - 1; index >= 0; index -= 1) {
      if (lists[index].length) {
        groups.push({ name: path[index].name, leaders: lists[index] });
      }
    }
    leader.replaceChildren(option("", groups.length ? "请选择" : "请先选择地区"));
    groups.forEach(function (group) {
      var optgroup = document.createElement("optgroup");
      optgroup.label = group.name;
      group.leaders.forEach(function (item) {
        optgroup.append(option(String(item.id), item.title + (item.person_name || "")));
      });
      leader.append(optgroup);
    });
    if (previous && leader.querySelector('option[value="' + previous + '"]')) {
      leader.value = previous;
    }
    if (leaderNote) {
      leaderNote.hidden = groups.length > 0;
      leaderNote.textContent = path.length
        ? "所选地区暂无可留言的领导，请选择上一级或其他地区。"
        : "请先选择留言地区。";
    }
  }

  function refreshLeaders() {
    var path = chosenPath();
    var ticket = (leaderTicket += 1);
    Promise.all(path.map(function (step) { return leadersOf(step.code); }))
      .then(function (lists) {
        if (ticket === leaderTicket) {
          setLeaders(path, lists);
        }
      })
      .catch(fallBack);
  }

  function childrenOf(code) {
    return getJSON(form.dataset.regionsUrl + "?parent=" + encodeURIComponent(code));
  }

  selects.forEach(function (select, index) {
    select.addEventListener("change", function () {
      var code = select.value;
      clearBelow(index);
      refreshLeaders();
      if (!code || index + 1 >= selects.length) {
        return;
      }
      childrenOf(code)
        .then(function (regions) {
          if (select.value === code) {
            fillLevel(index + 1, regions);
          }
        })
        .catch(fallBack);
    });
  });
  showSteps(false);

  // Finding a place by its name: the places found are listed as one types; picking one sets every level
  // down to it (each level's choices read as if chosen by hand) and offers its leaders.
  var search = form.querySelector("[data-place-search]");
  if (search) {
    var searchInput = search.querySelector("input");
    var found = search.querySelector("[data-place-found]");
    var searchButton = search.querySelector('button[value="find"]');
    var searchTicket = 0;
    var searchTimer = null;
    searchButton.hidden = true;

    var showFound = function (places, query) {
      found.replaceChildren();
      places.forEach(function (place) {
        var button = document.createElement("button");
        button.type = "button";
        var name = document.createElement("strong");
        name.textContent = place.name;
        var label = document.createElement("span");
        label.className = "meta";
        label.textContent = " " + place.label + (place.former_name ? "（原" + place.former_name + "）" : "");
        button.append(name, label);
        button.addEventListener("click", function () { pickPlace(place); });
        var item = document.createElement("li");
        item.append(button);
        found.append(item);
      });
      if (!places.length) {
        var empty = document.createElement("li");
        empty.className = "empty";
        empty.textContent = "没有找到名称含“" + query + "”的地区。";
        found.append(empty);
      }
      found.hidden = false;
    };

    var pickPlace = function (place) {
      var ticket = (searchTicket += 1);
      found.hidden = true;
      searchInput.value = place.name;
      // The province list is on the page; each level below is read from its parent's children.
      var lists = place.path.slice(0, -1).map(childrenOf);
      Promise.all(lists)
        .then(function (levels) {
          if (ticket !== searchTicket) {
            return;
          }
          clearBelow(0);
          levels.forEach(function (regions, index) { fillLevel(index + 1, regions); });
          place.path.forEach(function (code, index) { selects[index].value = code; });
          var last = place.path.length - 1;
          if (last + 1 < selects.length) {
            return childrenOf(place.path[last]).then(function (regions) {
              if (ticket === searchTicket) {
                fillLevel(last + 1, regions);
              }
            });
          }
        })
        .then(refreshLeaders)
        .catch(fallBack);
    };

    var lookUp = function () {
      var query = searchInput.value.trim();
      var ticket = (searchTicket += 1);
      if (!query) {
        found.hidden = true;
        return;
      }
      getJSON(search.dataset.placeSearch + "?q=" + encodeURIComponent(query.slice(0, 20)))
        .then(function (places) {
          if (ticket === searchTicket) {
            showFound(places, query);
          }
        })
        .catch(function () { searchButton.hidden = false; });
    };

    searchInput.addEventListener("input", function () {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(lookUp, 250);
    });
    searchInput.addEventListener("keydown", function (event) {
      // Enter looks the name up here instead of submitting the message.
      if (event.key === "Enter") {
        event.preventDefault();
        window.clearTimeout(searchTimer);
        lookUp();
      }
    });
  }

  // Live character counts, as the submission action counts them (trimmed, in characters).
  function counted(field) {
    var min = Number(field.dataset.min);
    var max = Number(field.dataset.max);
    var help = document.getElementById(field.id + "_help");
    if (!help) {
      return;
    }
    var count = document.createElement("span");
    count.className = "post-count";
    help.append(count);
    function update() {
      var length = Array.from(field.value.trim()).length;
      var text = "已输入 " + length + " 字";
      if (length > max) {
        text += "，超出 " + (length - max) + " 字";
      } else if (length > 0 && length < min) {
        text += "，还差 " + (min - length) + " 字";
      }
      count.textContent = "（" + text + "）";
      count.classList.toggle("over", length > 0 && (length < min || length > max));
    }
    field.addEventListener("input", update);
    update();
  }
  counted(form.elements.title);
  counted(form.elements.body);

  // Say at once when more files are chosen than a message may carry.
  var files = form.elements.files;
  var filesHelp = files && document.getElementById(files.id + "_help");
  if (filesHelp) {
    var limit = document.createElement("span");
    limit.className = "post-count";
    filesHelp.append(limit);
    var most = Number(files.dataset.max);
    files.addEventListener("change", function () {
      var chosen = files.files.length;
      var over = chosen > most ? "，超过 " + most + " 个，请减少" : "";
      limit.textContent = chosen ? "（已选择 " + chosen + " 个" + over + "）" : "";
      limit.classList.toggle("over", chosen > most);
    });
  }
}());
