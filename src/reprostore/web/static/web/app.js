// Progressive enhancement only: every page works without this file.
"use strict";

// The records table: say how many records are ticked, and allow "Compare" from two on.
function setUpCompare() {
  const button = document.querySelector(".compare-button");
  const help = document.getElementById("compare-help");
  if (!button || !help) return;
  const boxes = Array.from(document.querySelectorAll('input[type="checkbox"][form="compare-form"]'));
  const noun = button.dataset.noun || "records";
  function update() {
    const ticked = boxes.filter((box) => box.checked).length;
    button.disabled = ticked < 2;
    if (ticked === 0) help.textContent = "Tick two or more " + noun + ".";
    else if (ticked === 1) help.textContent = "1 ticked; tick one more.";
    else help.textContent = ticked + " ticked.";
  }
  boxes.forEach((box) => box.addEventListener("change", update));
  update();
}

document.addEventListener("DOMContentLoaded", setUpCompare);
