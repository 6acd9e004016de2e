/* 类似留言及其回复 on the post form: as the citizen types the title and body, similar public messages are
   fetched from the JSON API (POST /api/v1/messages/similar) and listed, with their state and whether they
   have been answered. Without this script the panel's own button shows the same list by reloading the form. */
(function () {
  "use strict";

  var form = document.getElementById("post-form");
  var panel = form && form.querySelector("[data-similar]");
  if (!panel || !window.fetch || !window.JSON || !panel.replaceChildren) {
    return;
  }
  var list = panel.querySelector("[data-similar-list]");
  var note = panel.querySelector("[data-similar-note]");
  var button = panel.querySelector("[data-step]");
  var title = form.elements.title;
  var body = form.elements.body;
  var MIN_CHARS = 10;
  var DELAY = 600;
  var timer = null;
  var ticket = 0;
  var lastAsked = null;

  function regionCode() {
    // The province chosen, if any: similar messages from the same province are the useful ones.
    var province = form.elements.region_1;
    return province && /^\d{6}$/.test(province.value) ? province.value : null;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function show(hits) {
    list.replaceChildren();
    hits.forEach(function (hit) {
      var item = document.createElement("li");
      var link = element("a", "", hit.title);
      link.href = hit.url;
      link.target = "_blank";
      link.rel = "noopener";
      item.append(link, " ", element("span", "state " + hit.state, hit.state_label));
      if (hit.replied) {
        item.append(" ", element("span", "post-similar-flag", "已答复"));
      }
      if (hit.near_duplicate) {
        item.append(" ", element("span", "post-similar-flag near", "高度相似"));
      }
      var how = hit.match && hit.match !== "overlap" ? hit.match_label + " · " : "";
      item.append(" ", element("span", "meta", how + "相似度 " + Math.round(hit.score * 100) + "%"));
      list.append(item);
    });
    note.textContent = hits.length
      ? "以下留言与您要反映的问题相似，点开可查看办理情况和答复。如果问题相同，可以为该留言点赞，不必重复留言。"
      : "没有找到类似的公开留言。";
  }

  function ask() {
    var text = { title: title.value.trim(), body: body.value.trim(), region: regionCode() };
    var key = JSON.stringify(text);
    if (key === lastAsked || Array.from(text.title + text.body).length < MIN_CHARS) {
      return;
    }
    lastAsked = key;
    var mine = (ticket += 1);
    fetch(panel.dataset.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
      body: key
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (hits) {
        if (mine === ticket) {
          show(hits);
        }
      })
      .catch(function () {
        // Too many requests or the API failed: the page's own button still works.
        lastAsked = null;
        if (button) {
          button.hidden = false;
        }
      });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, DELAY);
  }

  title.addEventListener("input", later);
  body.addEventListener("input", later);
  if (button) {
    button.hidden = true;
  }
  ask();
}());
