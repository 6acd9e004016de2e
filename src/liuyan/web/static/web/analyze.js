/* 系统识别 on the post form: as the citizen writes, the text is analysed (POST /api/v1/analyze) and the
   domain and type the platform reads in it are offered with a button that fills the field; the place it
   reads is shown as a reminder to choose the place the problem is in, and the units likely to handle the
   message as information (best first, with why). Nothing changes without a click, and without this script
   the form works as before. */
(function () {
  "use strict";

  var form = document.getElementById("post-form");
  var panel = form && form.querySelector("[data-analysis]");
  if (!panel || !window.fetch || !panel.replaceChildren) {
    return;
  }
  var title = form.elements.title;
  var body = form.elements.body;
  var token = form.elements.csrfmiddlewaretoken;
  var MIN_CHARS = 15;
  var DELAY = 800;
  var timer = null;
  var ticket = 0;
  var lastAsked = null;

  function chosenRegion() {
    // The deepest place chosen so far is the addressee's region: a hint for reading the text.
    for (var level = 3; level >= 1; level -= 1) {
      var select = form.elements["region_" + level];
      if (select && /^\d{6}$/.test(select.value)) {
        return select.value;
      }
    }
    return null;
  }

  function optionFor(select, label) {
    // Domain options are indented with ideographic spaces; type options carry the type's code.
    return Array.from(select.options).find(function (option) {
      return option.value === label || option.textContent.trim() === label;
    });
  }

  function offer(name, heading, guess) {
    var select = form.elements[name];
    var option = guess && select && optionFor(select, guess.label);
    if (!option || select.value === option.value) {
      return null;
    }
    var item = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "采用";
    button.addEventListener("click", function () {
      select.value = option.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      item.remove();
      if (!panel.querySelector("li")) {
        panel.hidden = true;
      }
    });
    item.append(heading + "：可能是「" + option.textContent.trim() + "」（" + Math.round(guess.confidence * 100) + "%） ", button);
    return item;
  }

  function show(result) {
    var items = [];
    var region = result.region;
    if (region && region.code !== chosenRegion() && region.confidence >= 0.5) {
      var note = document.createElement("li");
      note.textContent = "所涉地区：留言中提到「" + region.name + "」，请确认上方选择的地区。";
      items.push(note);
    }
    [offer("domain", "留言领域", result.domain), offer("type", "留言类型", result.type)].forEach(function (item) {
      if (item) {
        items.push(item);
      }
    });
    if (result.units && result.units.length) {
      var units = document.createElement("li");
      units.className = "post-units";
      units.textContent = "可能的办理单位：" + result.units.map(function (unit) {
        return unit.name + "（" + Math.round(unit.score * 100) + "%，" + unit.reason + "）";
      }).join("；");
      items.push(units);
    }
    var list = panel.querySelector("ul");
    list.replaceChildren.apply(list, items);
    panel.hidden = items.length === 0;
  }

  function ask() {
    var text = (title.value.trim() + "\n" + body.value.trim()).trim();
    var payload = JSON.stringify({ text: text, region: chosenRegion() });
    if (payload === lastAsked || Array.from(text).length < MIN_CHARS) {
      return;
    }
    lastAsked = payload;
    var mine = (ticket += 1);
    fetch(panel.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token.value },
      credentials: "same-origin",
      body: payload
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (result) {
        if (mine === ticket) {
          show(result);
        }
      })
      .catch(function () {
        lastAsked = null; // a refusal (too many requests) or a failure: try again on the next change
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, DELAY);
  }

  title.addEventListener("input", later);
  body.addEventListener("input", later);
  ask();
}());
