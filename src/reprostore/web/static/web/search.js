// Suggestions for the search boxes: parameter names and tags (or packet names) offered while
// typing, from the JSON the box names in `data-suggest` (web/suggestions.py).
// Progressive enhancement only: without this file the box is a plain search field.
"use strict";

(function () {
  const DELAY_MS = 120;
  const SHOWN = 12;
  const KIND_NAMES = { parameters: "parameter", tags: "tag", names: "packet name" };
  // A word ends at space, brackets, quotes and operators, as in query/shorthand.py.
  const WORD_BEFORE_CARET = /[^\s()&|!=<>"']*$/;
  const PLAIN = /^[^\s()&|!=<>"'\\]+$/;

  function wordAtCaret(input) {
    const end = input.selectionStart === null ? input.value.length : input.selectionStart;
    const text = input.value.slice(0, end).match(WORD_BEFORE_CARET)[0];
    return { start: end - text.length, end: end, text: text };
  }

  // What a word asks for: `#ba` and `tag:ba` tags, `parameter:se` parameters, `name:x` names.
  function wanted(text) {
    const prefixes = [["#", "tags"], ["tag:", "tags"], ["parameter:", "parameters"], ["name:", "names"]];
    for (const [prefix, kind] of prefixes) {
      if (text.startsWith(prefix)) return { prefix: prefix, fragment: text.slice(prefix.length), kinds: [kind] };
    }
    return { prefix: "", fragment: text, kinds: null };
  }

  function quotedIfNeeded(name) {
    if (PLAIN.test(name)) return name;
    return name.includes('"') ? "'" + name + "'" : '"' + name + '"';
  }

  // The text that replaces the word: a parameter's name waits for its operator; a tag or a
  // name is a whole condition, so a space follows.
  function insertion(kind, name, prefix) {
    if (kind === "parameters") return (prefix === "parameter:" ? prefix : "") + name;
    if (kind === "tags") return (prefix === "#" && PLAIN.test(name) ? "#" : "tag:") + quotedIfNeeded(name) + " ";
    return "name:" + quotedIfNeeded(name) + " ";
  }

  function setUp(input) {
    const url = input.dataset.suggest;
    const list = document.createElement("ul");
    list.id = input.id + "-suggestions";
    list.className = "search-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    const answers = new Map();
    let timer = null;
    let asked = 0;
    let word = null;
    let items = [];
    let active = -1;

    function close() {
      list.hidden = true;
      list.replaceChildren();
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.from(list.children).forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", list.children[index].id);
        list.children[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(found) {
      items = found;
      if (!items.length) return close();
      list.replaceChildren(...items.map((item, index) => {
        const option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.dataset.index = String(index);
        const name = document.createElement("span");
        name.textContent = item.name;
        const kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = KIND_NAMES[item.kind] || item.kind;
        option.append(name, kind);
        return option;
      }));
      active = -1;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    async function namesFor(fragment) {
      if (answers.has(fragment)) return answers.get(fragment);
      const response = await fetch(url + "?q=" + encodeURIComponent(fragment), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) return null;
      const names = await response.json();
      answers.set(fragment, names);
      return names;
    }

    async function update() {
      word = wordAtCaret(input);
      const want = wanted(word.text);
      if (!want.fragment && !want.prefix) return close();
      const ticket = ++asked;
      let names;
      try {
        names = await namesFor(want.fragment);
      } catch (error) {
        return close();  // offline or refused: the box still works without suggestions
      }
      if (ticket !== asked || !names) return;
      const found = [];
      for (const kind of want.kinds || Object.keys(names)) {
        for (const name of names[kind] || []) {
          const insert = insertion(kind, name, want.prefix);
          if (insert.trim() !== word.text) found.push({ kind: kind, name: name, insert: insert });
        }
      }
      show(found.slice(0, SHOWN));
    }

    function choose(index) {
      const item = items[index];
      if (!item || !word) return;
      const value = input.value;
      input.value = value.slice(0, word.start) + item.insert + value.slice(word.end);
      const caret = word.start + item.insert.length;
      input.focus();
      input.setSelectionRange(caret, caret);
      close();
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(update, DELAY_MS);
    });
    input.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        // Past either end the highlight leaves the list, back to what was typed.
        let next = active + (event.key === "ArrowDown" ? 1 : -1);
        if (next >= items.length) next = -1;
        if (next < -1) next = items.length - 1;
        highlight(next);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
    // Keep the focus in the box while an option is clicked.
    list.addEventListener("mousedown", (event) => event.preventDefault());
    list.addEventListener("click", (event) => {
      const option = event.target.closest("li");
      if (option) choose(Number(option.dataset.index));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("input[data-suggest]").forEach(setUp);
  });
})();
